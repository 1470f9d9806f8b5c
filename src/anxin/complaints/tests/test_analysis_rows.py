"""Issue 11: the complaint analysis groups a year's rows in Python with its labels translated
once a report and each moment made local once; the times of day and the months stay the
store's local ones."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from anxin.catalogue.testing import make_client
from anxin.clients.models import ServiceRecord
from anxin.complaints.analysis import analyse
from anxin.delivery.models import Feedback

pytestmark = pytest.mark.django_db


@pytest.mark.req("ANA-4")
def test_low_ratings_fall_in_the_local_time_of_day_and_month(
    store, front_desk, auditor, practitioner
):
    tz = timezone.get_current_timezone()
    moments = [
        dt.datetime(2026, 1, 31, 11, 59, tzinfo=tz),  # morning
        dt.datetime(2026, 1, 31, 12, 0, tzinfo=tz),  # afternoon
        dt.datetime(2026, 1, 31, 18, 30, tzinfo=tz),  # evening here, 10:30 UTC
        dt.datetime(2026, 2, 1, 0, 10, tzinfo=tz),  # February here, January in UTC
    ]
    for n, moment in enumerate(moments):
        person = make_client(actor=front_desk, store=store, name=f"客{n}", phone=f"1380000{n:04d}")
        record = ServiceRecord.objects.create(
            store=store, client=person, practitioner=practitioner, served_at=moment,
            item_name="足疗", amount=Decimal("98.00"),
        )  # fmt: skip
        Feedback.objects.create(service=record, score=1)
    with translation.override("en"):
        result = analyse(
            actor=auditor, store=store, start=dt.date(2026, 1, 1), end=dt.date(2026, 2, 28)
        )
    assert result["low_ratings"] == 4
    assert {g.label: g.low_ratings for g in result["by_time"]} == {
        "morning (before 12:00)": 2,
        "afternoon (12:00–18:00)": 1,
        "evening (after 18:00)": 1,
    }
    assert {g.label: g.low_ratings for g in result["by_month"]} == {"2026-01": 3, "2026-02": 1}
    assert [g.label for g in result["by_item"]] == ["足疗"]
