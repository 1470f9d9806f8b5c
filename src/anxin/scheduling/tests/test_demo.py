"""The demo appointments: one per service record, same client and practitioner, distinct YY
codes, code counters at the last serial given (BIZ-3)."""

import datetime as dt
import itertools

import pytest
from django.core.management import call_command
from django.db.models import Count, Max
from django.test import override_settings
from django.utils import timezone

from anxin.clients.models import ServiceRecord
from anxin.core.codes import allocate_code
from anxin.core.models import CodeSequence
from anxin.scheduling.models import Appointment, QueueEntry, Room, Status


def _counters_match_codes():
    """Every YY counter equals the highest serial given in its month."""
    given = {}
    for code in Appointment.objects.values_list("code", flat=True):
        given[code[2:6]] = max(given.get(code[2:6], 0), int(code[6:]))
    stored = dict(CodeSequence.objects.filter(family="YY").values_list("scope", "last_serial"))
    return given, stored


@pytest.mark.django_db
@pytest.mark.req("BIZ-3")
def test_small_demo_appointments_match_the_service_records(capsys):
    call_command("demo", scale="small", seed=4)
    records = ServiceRecord.objects.count()
    done = Appointment.objects.filter(status=Status.DONE).select_related("service_record")
    assert records > 0 and done.count() == records  # small scale: no month is capped
    for a in done.select_related("service_record__item"):
        r = a.service_record
        assert (a.client_id, a.practitioner_id, a.item_id, a.clock_type) == (
            r.client_id,
            r.practitioner_id,
            r.item_id,
            r.clock_type,
        )
        minutes = r.item.duration if r.item else 60  # older records name no catalogue item
        expected = r.started_at or r.served_at - dt.timedelta(minutes=minutes)
        assert a.start == expected and a.end == (r.ended_at or r.served_at)
    assert Appointment.objects.filter(status=Status.BOOKED, start__gt=timezone.now()).exists()
    missed = Appointment.objects.filter(status__in=[Status.CANCELLED, Status.NO_SHOW])
    assert missed.exists() and missed.filter(service_record__isnull=True).count() == missed.count()
    assert missed.filter(status=Status.CANCELLED).exclude(reason="").exists()
    # Booked ones never overlap for one practitioner.
    booked = list(Appointment.objects.filter(status=Status.BOOKED).order_by("start"))
    for a in booked:
        for b in booked:
            if a.pk != b.pk and a.practitioner_id == b.practitioner_id:
                assert a.busy_until <= b.start or b.busy_until <= a.start
    codes = Appointment.objects.values("code").annotate(n=Count("pk")).aggregate(m=Max("n"))
    assert codes["m"] == 1
    given, stored = _counters_match_codes()
    assert given == stored
    month = timezone.localdate().strftime("%y%m")
    assert allocate_code("YY") == f"YY{month}{stored.get(month, 0) + 1:04d}"
    assert Room.objects.count() >= 3
    assert QueueEntry.objects.filter(day=timezone.localdate()).exists()


@pytest.mark.django_db
@pytest.mark.req("BIZ-3")
@override_settings(ANXIN_CODE_WIDTHS={"YY": 1})
def test_demo_caps_a_month_at_the_code_range_and_says_so(capsys):
    call_command("demo", scale="small", seed=4)
    assert "ANXIN_CODE_WIDTHS=YY=5" in capsys.readouterr().err
    per_month = Appointment.objects.values_list("code", flat=True)
    assert all(len(c) == 7 for c in per_month)
    given, stored = _counters_match_codes()
    assert given == stored and max(stored.values()) == 9
    # The current month keeps codes free for real bookings.
    month = timezone.localdate().strftime("%y%m")
    assert stored.get(month, 0) <= 7 and allocate_code("YY").startswith(f"YY{month}")
    assert Appointment.objects.filter(status=Status.DONE).count() < ServiceRecord.objects.count()


@pytest.mark.django_db
@pytest.mark.req("BIZ-3", "STF-3", "STF-4")
def test_demo_history_is_consistent_with_attendance_and_free_of_conflicts(capsys):
    """Services lie in the clock records of the practitioner who gave them, never overlap
    (with the rest gap), follow the client's registration; every practitioner has work."""
    from anxin.attendance.models import ClockRecord, WorkPattern
    from anxin.attendance.selectors import pattern_shift
    from anxin.scheduling.models import HOLDING
    from anxin.scheduling.services import rest_gap
    from anxin.staff.models import StaffMember

    call_command("demo", scale="small", seed=6)
    practitioners = StaffMember.objects.filter(kind="practitioner")
    assert practitioners.filter(user__isnull=True).count() == 0
    shifts = {}
    for user_id, begin, end in ClockRecord.objects.filter(member__kind="practitioner").values_list(
        "member__user_id", "clock_in", "clock_out"
    ):
        shifts.setdefault(user_id, []).append((begin, end))
    records = list(ServiceRecord.objects.select_related("client"))
    assert len(records) > 500
    assert {r.practitioner_id for r in records} == set(
        practitioners.values_list("user_id", flat=True)
    )
    for r in records:
        assert any(b <= r.started_at and r.ended_at <= e for b, e in shifts[r.practitioner_id])
        assert r.client.created_at <= r.started_at
    missed = Appointment.objects.filter(status__in=[Status.CANCELLED, Status.NO_SHOW])
    for a in missed:
        assert any(b <= a.start and a.end <= e for b, e in shifts[a.practitioner_id])
    gap = rest_gap()
    by_person = {}
    for a in Appointment.objects.filter(status__in=HOLDING).order_by("start"):
        by_person.setdefault(a.practitioner_id, []).append(a)
    for appointments in by_person.values():
        for earlier, later in itertools.pairwise(appointments):
            assert earlier.end + gap <= later.start, (earlier.code, later.code)
    patterns = {p.member.user_id: p for p in WorkPattern.objects.select_related("member")}
    for a in Appointment.objects.filter(status=Status.BOOKED):
        day = timezone.localtime(a.start).date()
        begin, end = pattern_shift(patterns[a.practitioner_id], day)
        assert (
            begin <= timezone.localtime(a.start).time() and timezone.localtime(a.end).time() <= end
        )
    rooms = {}
    for a in Appointment.objects.filter(status__in=HOLDING, room__isnull=False).order_by("start"):
        rooms.setdefault(a.room_id, []).append(a)
    for booked in rooms.values():
        for earlier, later in itertools.pairwise(booked):
            assert earlier.busy_until <= later.start
