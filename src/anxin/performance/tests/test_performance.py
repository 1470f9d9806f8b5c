"""STF-3, ANA-2: monthly figures per practitioner from services, feedback, appointments and
attendance; published, confirmed or disputed, a dispute resolved by a manager."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from anxin.catalogue.testing import make_client, make_item
from anxin.delivery.services import feedback_record, service_record
from anxin.notifications.models import Notification
from anxin.performance import services
from anxin.performance.figures import monthly_figures
from anxin.performance.models import Review, ReviewState
from anxin.scheduling.models import Appointment, Status

MONTH = timezone.localdate().replace(day=1)


def served(front_desk, store, who, client, item, *, score=None, amount=None, served_at=None):
    record = service_record(
        actor=front_desk,
        store=store,
        client=client,
        item=item,
        practitioner=who,
        amount=amount,
        served_at=served_at,
    )
    if score is not None:
        feedback_record(actor=front_desk, store=store, record=record, score=score)
    return record


@pytest.fixture
def month_of_work(store, manager, front_desk, practitioner, practitioner_b):
    item = make_item(actor=manager, store=store, name="足疗", price="100.00", duration=60)
    a = make_client(actor=front_desk, store=store, name="甲", phone="13800000001")
    b = make_client(actor=front_desk, store=store, name="乙", phone="13800000002")
    served(front_desk, store, practitioner, a, item, score=5)
    earlier = timezone.now() - dt.timedelta(minutes=90)  # the same client's other visit
    served(front_desk, store, practitioner, a, item, score=4, amount="80.00", served_at=earlier)
    served(front_desk, store, practitioner, b, item)
    served(front_desk, store, practitioner_b, b, item, score=3)
    return item


@pytest.mark.django_db
@pytest.mark.req("STF-3", "ANA-2")
def test_figures_count_clients_services_revenue_satisfaction_and_booked_time(
    store, practitioner, practitioner_b, month_of_work
):
    rows = {r["practitioner_id"]: r for r in monthly_figures(store=store, month=MONTH)}
    mine = rows[practitioner.pk]
    assert (mine["clients"], mine["services"], mine["revenue"]) == (2, 3, "280.00")
    assert (mine["satisfaction"], mine["rated"]) == (4.5, 2)
    assert mine["booked_minutes"] == 180  # three walk-in services of a 60-minute item
    assert mine["working_minutes"] is None and mine["utilisation"] is None  # no attendance kept
    theirs = rows[practitioner_b.pk]
    assert (theirs["clients"], theirs["services"], theirs["satisfaction"]) == (1, 1, 3.0)


@pytest.mark.django_db
@pytest.mark.req("ANA-2")
def test_utilisation_is_booked_time_over_clocked_time(
    store, manager, front_desk, practitioner, month_of_work
):
    from anxin.attendance.models import ClockRecord
    from anxin.staff.tests.factories import hr_persona, staff_file

    member = staff_file(actor=hr_persona(store), store=store, user=practitioner)
    start = timezone.now().replace(day=1, hour=9, minute=0, second=0, microsecond=0)
    ClockRecord.objects.create(
        store=store, member=member, clock_in=start, clock_out=start + dt.timedelta(hours=6)
    )
    client = make_client(actor=front_desk, store=store, name="丙", phone="13800000003")
    Appointment.objects.create(
        code="YY00000001",
        store=store,
        client=client,
        practitioner=practitioner,
        item_name="足疗",
        start=start + dt.timedelta(hours=1),
        end=start + dt.timedelta(hours=2),
        busy_until=start + dt.timedelta(hours=2),
        status=Status.BOOKED,
    )
    mine = next(
        r
        for r in monthly_figures(store=store, month=MONTH)
        if r["practitioner_id"] == practitioner.pk
    )
    assert mine["working_minutes"] == 360
    assert mine["booked_minutes"] == 240  # 3 walk-ins + one booked hour
    assert mine["utilisation"] == round(240 / 360, 3)


@pytest.mark.django_db
@pytest.mark.req("STF-3")
def test_published_figures_are_confirmed_or_disputed_and_a_dispute_resolved(
    store, manager, practitioner, practitioner_b, month_of_work, make_persona
):
    published = services.publish(actor=manager, store=store, month=MONTH)
    assert {r.practitioner for r in published} >= {practitioner, practitioner_b}
    assert Notification.objects.filter(
        recipient=practitioner, kind="performance.published"
    ).exists()
    mine = Review.objects.get(practitioner=practitioner)
    theirs = Review.objects.get(practitioner=practitioner_b)
    with pytest.raises(PermissionDenied):  # nobody answers for someone else
        services.confirm(actor=practitioner_b, review=mine)
    services.confirm(actor=practitioner, review=mine)
    with pytest.raises(ValidationError):
        services.dispute(actor=practitioner_b, review=theirs, comment=" ")
    services.dispute(actor=practitioner_b, review=theirs, comment="少算了一单加钟")
    theirs.refresh_from_db()
    assert theirs.state == ReviewState.DISPUTED
    with pytest.raises(PermissionDenied):  # a practitioner does not resolve
        services.resolve(actor=practitioner, review=theirs, resolution="x")
    services.resolve(actor=manager, review=theirs, resolution="已核对，补记加钟")
    theirs.refresh_from_db()
    assert (theirs.state, theirs.resolved_by) == (ReviewState.RESOLVED, manager)
    # publishing again leaves agreed months alone
    mine.refresh_from_db()
    before = mine.figures
    services.publish(actor=manager, store=store, month=MONTH)
    mine.refresh_from_db()
    assert mine.state == ReviewState.CONFIRMED and mine.figures == before


@pytest.mark.django_db
@pytest.mark.req("STF-3", "SEC-3")
def test_who_sees_what(
    client, login, store, manager, finance, front_desk, practitioner, practitioner_b, month_of_work
):
    services.publish(actor=manager, store=store, month=MONTH)
    login(client, practitioner)
    page = client.get("/performance/").content.decode()
    assert practitioner.get_username() in page and practitioner_b.get_username() not in page
    login(client, finance)
    page = client.get("/performance/").content.decode()
    assert practitioner.get_username() in page and practitioner_b.get_username() in page
    assert "performance:publish" not in page
    login(client, front_desk)
    assert client.get("/performance/").status_code == 403
    with pytest.raises(PermissionDenied):
        services.publish(actor=front_desk, store=store, month=MONTH)


@pytest.mark.django_db
@pytest.mark.req("STF-3")
def test_a_future_month_and_a_bad_month_are_refused(client, login, store, manager):
    future = (MONTH + dt.timedelta(days=40)).replace(day=1)
    with pytest.raises(ValidationError):
        services.publish(actor=manager, store=store, month=future)
    assert not Review.objects.exists()
    login(client, manager)
    assert client.get("/performance/?month=2026-13").status_code == 400
    assert client.get("/performance/?month=abc").status_code == 400
