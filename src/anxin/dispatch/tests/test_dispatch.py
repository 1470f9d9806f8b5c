"""On-site jobs: workers assigned without clashes, statuses in order, the address only for the
assigned workers within the job window (logged), feedback once done."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from anxin.audit.models import UseLog
from anxin.clients.selectors import scoped_clients
from anxin.clients.services import client_create
from anxin.dispatch import services
from anxin.dispatch.models import Job, JobStatus
from anxin.scheduling.services import appointment_book

ADDRESS = "北京市朝阳区建国路88号3单元502"


@pytest.fixture
def home_client(store, front_desk):
    return client_create(
        actor=front_desk, store=store, name="上门客户", phone="13612345678", address=ADDRESS
    )


@pytest.fixture
def start():
    return timezone.now() + dt.timedelta(hours=4)


def dispatch(front_desk, store, client, workers, start, minutes=120, travel=30):
    return services.job_create(
        actor=front_desk,
        store=store,
        client=client,
        workers=workers,
        item_name="深度保洁",
        start=start,
        minutes=minutes,
        travel_minutes=travel,
    )


@pytest.mark.django_db
@pytest.mark.req("BIZ-3")
def test_a_job_with_two_workers_blocks_their_bookings_including_travel(
    store, front_desk, practitioner, practitioner_b, home_client, start
):
    job = dispatch(front_desk, store, home_client, [practitioner, practitioner_b], start)
    assert set(job.workers.all()) == {practitioner, practitioner_b}
    # during the travel time before the job, the worker cannot be booked in the store
    with pytest.raises(ValidationError) as exc:
        appointment_book(
            actor=front_desk,
            store=store,
            client=home_client,
            practitioner=practitioner,
            start=start - dt.timedelta(minutes=20),
            minutes=15,
            item_name="足疗",
        )
    assert "start" in exc.value.message_dict
    # nor sent to a second job that overlaps
    with pytest.raises(ValidationError):
        dispatch(front_desk, store, home_client, [practitioner_b], start + dt.timedelta(hours=1))
    assert Job.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.req("BIZ-3")
def test_bad_jobs_are_refused_with_a_message_each(
    store, front_desk, practitioner, home_client, start
):
    no_address = client_create(actor=front_desk, store=store, name="无地址", phone="13612340000")
    cases = [
        ({"client": no_address}, "client"),
        ({"workers": []}, "workers"),
        ({"workers": [front_desk]}, "workers"),
        ({"minutes": 0}, "minutes"),
        ({"start": timezone.now() - dt.timedelta(days=1)}, "start"),
        ({"travel": 601}, "travel_minutes"),
    ]
    for overrides, field in cases:
        args = {
            "client": home_client,
            "workers": [practitioner],
            "start": start,
            "minutes": 60,
            "travel": 30,
            **overrides,
        }
        with pytest.raises(ValidationError) as exc:
            dispatch(
                front_desk,
                store,
                args["client"],
                args["workers"],
                args["start"],
                args["minutes"],
                args["travel"],
            )
        assert field in exc.value.message_dict
    assert Job.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.req("BIZ-3", "SEC-4", "PRV-2")
def test_the_address_only_for_assigned_workers_within_the_window_and_always_logged(
    store, front_desk, practitioner, practitioner_b, home_client, start
):
    job = dispatch(front_desk, store, home_client, [practitioner], start, travel=30)
    too_early = start - dt.timedelta(minutes=31)
    in_window = start - dt.timedelta(minutes=29)
    after = job.end + dt.timedelta(minutes=1)
    for who, when in [
        (practitioner, too_early),
        (practitioner_b, in_window),
        (practitioner, after),
    ]:
        with pytest.raises(Http404):
            services.job_address(actor=who, job=job, now=when)
    assert services.job_address(actor=practitioner, job=job, now=in_window) == ADDRESS
    uses = list(UseLog.objects.filter(action="reveal").order_by("seq"))
    assert [(u.user, u.outcome) for u in uses] == [
        (practitioner, "denied"),
        (practitioner_b, "denied"),
        (practitioner, "denied"),
        (practitioner, "allowed"),
    ]
    assert all(u.purpose == "on-site service" and u.record_code == home_client.code for u in uses)


@pytest.mark.django_db
@pytest.mark.req("BIZ-3")
def test_statuses_move_in_order_and_closing_needs_notes(
    store, front_desk, practitioner, practitioner_b, home_client, start
):
    job = dispatch(front_desk, store, home_client, [practitioner], start)
    with pytest.raises(PermissionDenied):  # not on the job
        services.job_advance(actor=practitioner_b, job=job)
    services.job_advance(actor=practitioner, job=job)
    services.job_advance(actor=practitioner, job=job)
    with pytest.raises(ValidationError):
        services.job_advance(actor=practitioner, job=job, notes="")
    job.refresh_from_db()
    assert job.status == JobStatus.IN_PROGRESS
    services.job_advance(actor=practitioner, job=job, notes="厨房、卫生间完成")
    job.refresh_from_db()
    assert (job.status, job.completion_notes) == (JobStatus.DONE, "厨房、卫生间完成")
    with pytest.raises(ValidationError):
        services.job_advance(actor=practitioner, job=job, notes="again")
    # feedback by the front desk once done, 1..5 only
    with pytest.raises(ValidationError):
        services.job_feedback(actor=front_desk, job=job, score=6)
    services.job_feedback(actor=front_desk, job=job, score=5, comment="很干净")
    job.refresh_from_db()
    assert (job.feedback_score, job.feedback_comment) == (5, "很干净")


@pytest.mark.django_db
@pytest.mark.req("SEC-3")
def test_a_worker_sees_the_client_of_their_job_and_only_their_jobs(
    client, login, store, front_desk, practitioner, practitioner_b, home_client, start
):
    assert home_client not in scoped_clients(actor=practitioner, store=store)
    job = dispatch(front_desk, store, home_client, [practitioner], start)
    assert home_client in scoped_clients(actor=practitioner, store=store)
    assert home_client not in scoped_clients(actor=practitioner_b, store=store)
    login(client, practitioner_b)
    assert client.get(f"/jobs/{job.pk}/").status_code == 404
    assert "深度保洁" not in client.get("/jobs/").content.decode()
    login(client, practitioner)
    assert "深度保洁" in client.get("/jobs/").content.decode()
    assert client.get("/jobs/new/").status_code == 403


@pytest.mark.django_db
@pytest.mark.req("BIZ-3")
def test_the_pages_dispatch_advance_and_reveal(
    client, login, store, front_desk, practitioner, home_client, start
):
    login(client, front_desk)
    response = client.post(
        "/jobs/new/",
        {
            "client_code": home_client.code,
            "workers": [str(practitioner.pk)],
            "item_name": "上门推拿",
            "start": timezone.localtime(start).strftime("%Y-%m-%dT%H:%M"),
            "minutes": "60",
            "travel_minutes": "30",
        },
    )
    job = Job.objects.get()
    assert response.status_code == 302
    assert client.post("/jobs/new/", {"client_code": "KH00000000"}).status_code == 400
    login(client, practitioner)
    assert client.post(f"/jobs/{job.pk}/advance/", {"notes": ""}).status_code == 302
    job.refresh_from_db()
    assert job.status == JobStatus.ON_THE_WAY
    # 4 hours before: outside the window
    assert client.post(f"/jobs/{job.pk}/address/").status_code == 404
