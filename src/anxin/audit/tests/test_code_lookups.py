"""Opening a record by its code: out of scope reads exactly like missing, and is logged (SEC-3).

Issue 10 defect 8: ``/staff/code/MS…/`` redirected a practitioner to a colleague's file (which
then said 404) while an unknown code said 404 at once, so the redirect told which codes exist.
Every URL that takes a code resolves it through the scoped selector: the same status and the same
page for a code out of scope as for one that does not exist, and a denied entry in the use log.
"""

import datetime as dt
import re

import pytest
from django.utils import timezone

from anxin.audit.models import UseLog, UseOutcome
from anxin.clients.services import client_create
from anxin.scheduling.services import appointment_book
from anxin.staff.tests.factories import hr_persona, staff_file


def _tomorrow_at(hour):
    day = timezone.localdate() + dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _same_shape_unknown(code: str) -> str:
    """A code of the same family and month whose serial nobody has."""
    return code[:-4] + "9999"


def _page(response) -> str:
    """The body without what differs per request anyway (request id, CSRF token, CSP nonce)."""
    body = response.content.decode()
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", body)
    return re.sub(r'nonce="[^"]*"', "", body)


@pytest.fixture
def out_of_scope(store, front_desk, practitioner_b):
    """Records of the store that practitioner A may not see: B's client, booking and staff file."""
    theirs = client_create(actor=front_desk, store=store, name="李雷", phone="13912345678")
    booking = appointment_book(
        actor=front_desk,
        store=store,
        client=theirs,
        practitioner=practitioner_b,
        start=_tomorrow_at(11),
        minutes=60,
        item_name="全身推拿",
    )
    member = staff_file(actor=hr_persona(store), store=store, user=practitioner_b)
    return {
        "/staff/code/{}/": member.code,
        "/clients/{}/": theirs.code,
        "/appointments/{}/": booking.code,
    }


@pytest.mark.django_db
@pytest.mark.req("SEC-3", "STF-3", "AUD-3")
@pytest.mark.parametrize("url", ["/staff/code/{}/", "/clients/{}/", "/appointments/{}/"])
def test_a_code_out_of_scope_reads_exactly_like_a_missing_one(
    client, login, practitioner, out_of_scope, url
):
    code = out_of_scope[url]
    login(client, practitioner)
    denied = UseLog.objects.filter(user=practitioner, outcome=UseOutcome.DENIED)
    before = denied.count()
    hidden = client.get(url.format(code))
    missing = client.get(url.format(_same_shape_unknown(code)))
    assert hidden.status_code == missing.status_code == 404
    assert _page(hidden) == _page(missing)
    assert (
        denied.filter(record_id__contains=code).exists() or denied.filter(record_code=code).exists()
    )
    assert denied.count() >= before + 1


@pytest.mark.django_db
@pytest.mark.req("STF-1")
def test_a_code_in_scope_still_opens_the_file(client, login, store, practitioner):
    mine = staff_file(actor=hr_persona(store), store=store, user=practitioner)
    login(client, practitioner)
    response = client.get(f"/staff/code/{mine.code}/")
    assert response.status_code == 302 and response["Location"] == f"/staff/{mine.pk}/"
