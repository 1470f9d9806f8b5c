"""The client pages at a store's scale: the practitioner's list and the data-quality report read
what they show through indexes, in a number of queries that does not grow with the clients."""

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.utils import timezone

from anxin.clients import quality, selectors, services
from anxin.clients.models import Client, QualitySummary, ServiceRecord
from anxin.core.testing import assert_constant_queries, assert_no_full_scans, captured
from anxin.scheduling import services as booking
from anxin.scheduling.models import Appointment, Status

_serial = itertools.count(1)


def serve(client, practitioner, days_ago):
    return ServiceRecord.objects.create(
        store=client.store,
        client=client,
        practitioner=practitioner,
        served_at=timezone.now() - dt.timedelta(days=days_ago),
        item_name="足疗",
        amount=Decimal("98.00"),
    )


def book(front_desk, client, practitioner, *, days: int, status=Status.BOOKED):
    """A booking ``days`` from now (negative: in the past), with the given status."""
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=1, hours=next(_serial))
    appointment = booking.appointment_book(
        actor=front_desk, store=client.store, client=client, practitioner=practitioner,
        start=start, minutes=30, item_name="推拿",
    )  # fmt: skip
    moved = start + dt.timedelta(days=days - 1)
    Appointment.objects.filter(pk=appointment.pk).update(
        start=moved, end=moved + dt.timedelta(minutes=30),
        busy_until=moved + dt.timedelta(minutes=40), status=status,
    )  # fmt: skip
    return appointment


def new_clients(front_desk, store, n, prefix="客户"):
    return [
        services.client_create(actor=front_desk, store=store, name=f"{prefix}{next(_serial)}")
        for _ in range(n)
    ]


@pytest.mark.django_db
@pytest.mark.req("SEC-3")
def test_the_practitioner_scope_is_exactly_the_clients_served_or_booked_in_the_window(
    store, other_store, front_desk, practitioner, practitioner_b, make_persona
):
    (served, served_long_ago, served_by_b, booked, booked_long_ago, upcoming, no_show,
     cancelled, nothing) = new_clients(front_desk, store, 9)  # fmt: skip
    serve(served, practitioner, 10)
    serve(served_long_ago, practitioner, 200)
    serve(served_by_b, practitioner_b, 1)
    book(front_desk, booked, practitioner, days=-5, status=Status.DONE)
    book(front_desk, booked_long_ago, practitioner, days=-200, status=Status.DONE)
    book(front_desk, upcoming, practitioner, days=3)
    book(front_desk, no_show, practitioner, days=-2, status=Status.NO_SHOW)
    book(front_desk, cancelled, practitioner, days=2, status=Status.CANCELLED)
    elsewhere_desk = make_persona("desk_sh", other_store, "front_desk")
    (elsewhere,) = new_clients(elsewhere_desk, other_store, 1)
    serve(elsewhere, practitioner, 1)  # served, but a client of another store

    def scope(person):
        return set(selectors.scoped_clients(actor=person, store=store))

    assert scope(practitioner) == {served, booked, upcoming}
    assert scope(practitioner_b) == {served_by_b}
    assert nothing not in scope(practitioner) and elsewhere not in scope(practitioner)


@pytest.fixture
def busy_practitioner(store, front_desk, practitioner, practitioner_b):
    """``grow(n)``: n more clients served by the practitioner, n booked with them, n served by
    someone else."""

    def grow(n):
        for c in new_clients(front_desk, store, n):
            serve(c, practitioner, 3)
        for c in new_clients(front_desk, store, n):
            book(front_desk, c, practitioner, days=2)
        for c in new_clients(front_desk, store, n):
            serve(c, practitioner_b, 3)

    return grow


@pytest.mark.django_db
@pytest.mark.req("SEC-3")
def test_the_practitioner_client_list_takes_the_same_queries_for_more_clients(
    client, login, practitioner, busy_practitioner
):
    login(client, practitioner)
    n = assert_constant_queries(lambda: client.get("/clients/"), busy_practitioner, rows=2)
    response = client.get("/clients/")
    assert len(response.context["clients"]) == 6 * 2  # served and booked, 3 × 2 each
    assert n < 25


@pytest.mark.sqlite_only
@pytest.mark.django_db
@pytest.mark.req("SEC-3")
def test_the_practitioner_client_list_and_file_read_through_indexes(
    client, login, practitioner, busy_practitioner
):
    busy_practitioner(3)
    login(client, practitioner)
    response, sql = captured(lambda: client.get("/clients/"))
    assert response.status_code == 200
    assert_no_full_scans(sql)  # the scope is one joined set, not a look-up per client
    code = response.context["clients"][0].code
    response, sql = captured(lambda: client.get(f"/clients/{code}/"))
    assert response.status_code == 200
    assert_no_full_scans(sql)


def twin(front_desk, store, name, phone):
    return services.client_create(
        actor=front_desk, store=store, name=name, gender="F", birth_date=dt.date(1991, 1, 1),
        phone=phone, consent=services.ConsentGiven(health=True, paper_location="A-1"),
    )  # fmt: skip


def quality_world(front_desk, store, practitioner, n):
    """n clients of each finding: missing information, an invalid phone, a duplicate pair,
    and a stale client; and n in good order."""
    long_ago = timezone.now() - dt.timedelta(days=400)
    for _ in range(n):
        i = next(_serial)
        good = services.client_create(
            actor=front_desk, store=store, name=f"好{i}", gender="F",
            birth_date=dt.date(1990, 3, 7), phone=f"1381234{i:04d}",
            consent=services.ConsentGiven(health=True, paper_location="A-1"),
        )  # fmt: skip
        serve(good, practitioner, 1)
        bare = services.client_create(actor=front_desk, store=store, name=f"缺{i}")
        bad = services.client_create(
            actor=front_desk, store=store, name=f"错{i}", gender="M",
            birth_date=dt.date(1980, 1, i % 28 + 1), phone=f"12{i:03d}",
            consent=services.ConsentGiven(health=True, paper_location="A-1"),
        )  # fmt: skip
        twins = [twin(front_desk, store, f"双{i}", f"1391234{i:02d}{k}1") for k in range(2)]
        for c in (bare, bad, *twins):
            serve(c, practitioner, 1)
        Client.objects.filter(pk=bare.pk).update(created_at=long_ago)
        ServiceRecord.objects.filter(client=bare).update(served_at=long_ago)


@pytest.mark.django_db
@pytest.mark.req("STO-1")
def test_the_data_quality_page_shows_the_computed_figures_in_constant_queries(
    client, login, front_desk, manager, practitioner, store
):
    login(client, manager)

    def grow(n):
        quality_world(front_desk, store, practitioner, n)
        quality.compute(store=store, months=6)  # what the task does on "recompute"

    n = assert_constant_queries(lambda: client.get("/clients/quality/"), grow, rows=2)
    report = client.get("/clients/quality/").context["report"]
    assert report["missing_total"] == 6 and report["invalid_total"] == 6
    assert report["duplicates_total"] == 6 and report["stale_total"] == 6
    assert n < 30


@pytest.mark.sqlite_only
@pytest.mark.django_db
@pytest.mark.req("STO-1")
def test_the_data_quality_page_reads_through_indexes(
    client, login, front_desk, manager, practitioner, store
):
    quality_world(front_desk, store, practitioner, 3)
    quality.compute(store=store, months=6)
    login(client, manager)
    response, sql = captured(lambda: client.get("/clients/quality/"))
    assert response.status_code == 200
    assert_no_full_scans(sql)


@pytest.mark.django_db
@pytest.mark.req("STO-1")
def test_the_page_says_when_the_figures_were_computed_and_recompute_queues_them(
    client, login, front_desk, manager, practitioner, store
):
    login(client, manager)
    client.get("/clients/quality/")  # nothing computed yet: computed now (tests run tasks inline)
    summary = QualitySummary.objects.get(store=store, months=6)
    first = summary.computed_at
    assert first is not None and summary.totals["missing"] == 0
    quality_world(front_desk, store, practitioner, 1)
    page = client.get("/clients/quality/")
    assert "Figures computed at" in page.content.decode()
    assert page.context["report"]["missing_total"] == 0  # the figures as they were computed
    response = client.post("/clients/quality/", {"months": "6"}, follow=True)
    assert "Recomputing the figures has been queued" in response.content.decode()
    summary.refresh_from_db()
    assert summary.computed_at > first and not summary.pending
    assert response.context["report"]["missing_total"] == 1
    assert client.post("/clients/quality/", {"months": "x"}).status_code == 400


@pytest.mark.django_db
@pytest.mark.req("STO-1")
def test_recompute_is_for_those_who_correct_records_and_changes_nothing_otherwise(
    client, login, practitioner, store
):
    login(client, practitioner)
    assert client.post("/clients/quality/", {"months": "6"}).status_code == 403
    assert not QualitySummary.objects.exists()


@pytest.mark.django_db
@pytest.mark.req("STO-1")
def test_the_nightly_task_recomputes_every_store_and_every_period_looked_at(
    front_desk, practitioner, store, other_store
):
    from anxin.clients.tasks import quality_nightly

    QualitySummary.objects.create(store=store, months=12)
    quality_world(front_desk, store, practitioner, 1)
    quality_nightly.call_local()
    done = {(s.store_id, s.months): s for s in QualitySummary.objects.all()}
    assert set(done) == {(store.pk, 6), (store.pk, 12), (other_store.pk, 6)}
    assert all(s.computed_at for s in done.values())
    assert done[store.pk, 6].totals["missing"] == 1
