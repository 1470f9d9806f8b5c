"""Issue 11: the free-slot search merges each practitioner's busy intervals once and walks the
day's start times once; it finds exactly the start times the check per start time found."""

import datetime as dt
import random

import pytest
from django.utils import timezone

from anxin.clients.services import client_create
from anxin.scheduling import selectors, services
from anxin.scheduling.models import HOLDING, Appointment, Status


def brute_force(held, starts, length, gap):
    return [t for t in starts if all(not (s < t + length + gap and t < b) for s, b in held)]


@pytest.mark.req("BIZ-3")
def test_the_merged_intervals_give_what_a_check_per_start_time_gives():
    rnd = random.Random(11)
    base = timezone.make_aware(dt.datetime(2026, 3, 2, 10))
    starts = [base + dt.timedelta(minutes=15 * i) for i in range(48)]
    for _ in range(300):
        length = dt.timedelta(minutes=rnd.choice([30, 45, 60, 90]))
        gap = dt.timedelta(minutes=rnd.choice([0, 10, 15]))
        held = []
        for _ in range(rnd.randint(0, 8)):
            s = base + dt.timedelta(minutes=5 * rnd.randint(-30, 150))
            held.append((s, s + dt.timedelta(minutes=5 * rnd.randint(1, 30))))
        taken = selectors._merged(sorted((s - length - gap, b) for s, b in held))
        found, i = [], 0
        for t in starts:
            while i < len(taken) and taken[i][1] <= t:
                i += 1
            if not (i < len(taken) and taken[i][0] < t):
                found.append(t)
        assert found == brute_force(held, starts, length, gap), (held, length, gap)


@pytest.mark.django_db
@pytest.mark.req("BIZ-3")
def test_the_search_leaves_out_the_bookings_and_their_rest_gaps(
    store, front_desk, practitioner, practitioner_b
):
    customer = client_create(actor=front_desk, store=store, name="韩梅梅", phone="13900001234")
    day = timezone.localdate() + dt.timedelta(days=1)

    def at(h, m=0):
        return timezone.make_aware(dt.datetime.combine(day, dt.time(h, m)))

    for start, minutes in ((at(11), 60), (at(12, 30), 30), (at(15), 90)):
        services.appointment_book(
            actor=front_desk, store=store, client=customer, practitioner=practitioner,
            start=start, minutes=minutes, item_name="推拿",
        )  # fmt: skip
    found = dict(selectors.free_slots(store=store, day=day, minutes=60, now=at(0)))
    held = list(
        Appointment.objects.filter(practitioner=practitioner, status__in=HOLDING).values_list(
            "start", "busy_until"
        )
    )
    opens, closes = selectors.opening_hours()
    first, last = at(opens.hour, opens.minute), at(closes.hour, closes.minute)
    starts = []
    t = first
    while t + dt.timedelta(minutes=60) <= last:
        starts.append(t)
        t += dt.timedelta(minutes=15)
    want = brute_force(held, starts, dt.timedelta(minutes=60), services.rest_gap())
    assert found[practitioner] == want and at(11) not in want
    assert found[practitioner_b] == starts  # nothing booked: the whole day
    assert Status.BOOKED in HOLDING
