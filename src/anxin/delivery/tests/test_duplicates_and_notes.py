"""The same service recorded twice is refused with the way to the first record (issue 12,
defect 7); the practitioner adds notes to their own record the same day without a second
person, while amount and time still change only by two-person review (CLI-4)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from anxin.approvals.models import ChangeRequest
from anxin.audit.models import OperationLog, UseLog
from anxin.clients.models import ServiceRecord
from anxin.delivery.services import (
    DuplicateService,
    service_correction_propose,
    service_notes_add,
    service_record,
)
from anxin.scheduling import services as scheduling

pytestmark = pytest.mark.req("CLI-4")

NOTE = "右肩紧，下次力度轻一些"


def records():
    return list(ServiceRecord.objects.order_by("pk").values())


@pytest.fixture
def ended(front_desk, practitioner, store, regular, item):
    """A service of the regular client that 上钟/下钟 recorded: started 50 minutes ago, ended now."""
    now = timezone.now()
    booking = scheduling.appointment_book(
        actor=front_desk,
        store=store,
        client=regular,
        practitioner=practitioner,
        start=now,
        item=item,
    )
    scheduling.service_start(
        actor=practitioner, appointment=booking, now=now - dt.timedelta(minutes=50)
    )
    return scheduling.service_end(actor=practitioner, appointment=booking).service_record


def test_recording_by_hand_the_service_that_ending_it_recorded_is_refused(
    practitioner, front_desk, store, regular, item, ended
):
    before = records()
    for actor, served_at in (
        (practitioner, None),  # "now", right after 下钟
        (practitioner, timezone.now() - dt.timedelta(minutes=30)),  # during the service
        (front_desk, None),  # the desk, naming the same practitioner
    ):
        with pytest.raises(DuplicateService) as refused, translation.override("en"):
            service_record(
                actor=actor,
                store=store,
                client=regular,
                item=item,
                served_at=served_at,
                practitioner=practitioner,
            )
        assert refused.value.first == ended
        assert f"no. {ended.pk}" in refused.value.messages[0]
    assert records() == before


def test_a_different_time_or_practitioner_is_another_service(
    practitioner, practitioner_b, front_desk, store, regular, item, ended
):
    earlier = service_record(
        actor=practitioner,
        store=store,
        client=regular,
        item=item,
        served_at=ended.started_at,  # ended when this one began: one right after the other
    )
    other = service_record(
        actor=front_desk, store=store, client=regular, item=item, practitioner=practitioner_b
    )
    assert ServiceRecord.objects.filter(pk__in=[earlier.pk, other.pk]).count() == 2


def test_the_form_refuses_the_duplicate_with_a_link_to_the_first_record(
    client, login, practitioner, regular, item, ended
):
    before = records()
    login(client, practitioner)
    response = client.post("/services/new/", {"client": regular.code, "item": item.pk})
    assert response.status_code == 400
    page = response.content.decode()
    assert f'href="/services/{ended.pk}/"' in page
    assert records() == before


def test_the_practitioner_adds_notes_to_their_own_record_the_same_day_alone(
    client, login, practitioner, store, regular, item
):
    record = service_record(
        actor=practitioner, store=store, client=regular, item=item, notes="腰部酸痛"
    )
    login(client, practitioner)
    assert client.get(f"/services/{record.pk}/").content.decode().count("/notes/") == 1
    response = client.post(f"/services/{record.pk}/notes/", {"text": NOTE})
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.notes == f"腰部酸痛\n{NOTE}"
    assert record.amount == Decimal("128.00")  # nothing else changed
    assert not ChangeRequest.objects.exists()  # no second person needed
    entry = OperationLog.objects.filter(record_id=str(record.pk), action="update").get()
    assert NOTE not in str(entry.changes) and "notes" in entry.changes


def test_notes_of_someone_elses_record_are_refused_and_nothing_changes(
    client, login, practitioner, practitioner_b, front_desk, store, regular, item
):
    record = service_record(actor=practitioner, store=store, client=regular, item=item)
    login(client, practitioner_b)  # another practitioner does not even see it
    assert client.post(f"/services/{record.pk}/notes/", {"text": NOTE}).status_code == 404
    with pytest.raises(PermissionDenied):  # the desk sees it, but it is not theirs
        service_notes_add(actor=front_desk, store=store, record=record, text=NOTE)
    login(client, front_desk)
    assert client.post(f"/services/{record.pk}/notes/", {"text": NOTE}).status_code == 403
    record.refresh_from_db()
    assert record.notes == ""
    assert UseLog.objects.filter(user=front_desk, outcome="denied").count() == 2


def test_notes_on_another_day_and_amounts_still_need_the_correction(
    practitioner, store, regular, item
):
    yesterday = ServiceRecord.objects.get(client=regular)  # the regular's service a week ago
    with pytest.raises(ValidationError):
        service_notes_add(actor=practitioner, store=store, record=yesterday, text=NOTE)
    yesterday.refresh_from_db()
    assert yesterday.notes == ""
    today = service_record(actor=practitioner, store=store, client=regular, item=item)
    service_correction_propose(
        actor=practitioner, store=store, record=today, payload={"amount": "98"}, reason="收错"
    )
    today.refresh_from_db()
    assert today.amount == Decimal("128.00")  # until someone else approves
