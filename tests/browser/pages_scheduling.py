"""Set-up for the appointment and rotation-queue pages in APP_PAGES."""

import datetime as dt

from django.utils import timezone


def _tomorrow(hour, minute=0):
    day = timezone.localdate() + dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def bookings(request):
    """Two bookings tomorrow, one in a room; returns the first."""
    from anxin.clients.services import client_create
    from anxin.scheduling.models import Room
    from anxin.scheduling.services import appointment_book

    store, desk = request.getfixturevalue("store"), request.getfixturevalue("front_desk")
    room = Room.objects.create(store=store, name="一号床")
    customer = client_create(actor=desk, store=store, name="韩梅梅", phone="13900001234")
    first = appointment_book(
        actor=desk,
        store=store,
        client=customer,
        practitioner=request.getfixturevalue("practitioner"),
        start=_tomorrow(10),
        minutes=60,
        item_name="全身推拿",
        room=room,
    )
    appointment_book(
        actor=desk,
        store=store,
        client=customer,
        practitioner=request.getfixturevalue("practitioner_b"),
        start=_tomorrow(14),
        minutes=90,
        item_name="足疗",
    )
    return first


def day_page(request):
    bookings(request)
    return f"/appointments/?day={timezone.localdate() + dt.timedelta(days=1)}"


def calendar_page(request):
    bookings(request)
    return f"/appointments/calendar/?day={timezone.localdate() + dt.timedelta(days=1)}"


def calendar_rooms_page(request):
    return calendar_page(request) + "&by=room"


def calendar_week_page(request):
    return calendar_page(request) + "&view=week"


def detail_page(request):
    return f"/appointments/{bookings(request).code}/"


def free_page(request):
    bookings(request)
    return f"/appointments/free/?day={timezone.localdate() + dt.timedelta(days=1)}&minutes=60"


def queue(request):
    from anxin.scheduling.services import queue_open

    queue_open(
        actor=request.getfixturevalue("manager"),
        store=request.getfixturevalue("store"),
        day=timezone.localdate(),
        practitioners=[
            request.getfixturevalue("practitioner"),
            request.getfixturevalue("practitioner_b"),
        ],
    )


def job(request, *, done=False):
    """An on-site job starting in 20 minutes (so its travel window is open now)."""
    from anxin.clients.services import client_create
    from anxin.dispatch.services import job_advance, job_create

    store, desk = request.getfixturevalue("store"), request.getfixturevalue("front_desk")
    worker = request.getfixturevalue("practitioner")
    customer = client_create(
        actor=desk, store=store, name="王阿姨", phone="13900005678", address="北京市朝阳区建国路1号"
    )
    made = job_create(
        actor=desk,
        store=store,
        client=customer,
        workers=[worker],
        item_name="上门推拿",
        start=timezone.now() + dt.timedelta(minutes=20),
        minutes=60,
        travel_minutes=30,
    )
    if done:
        for notes in ("", "", "已完成"):
            job_advance(actor=worker, job=made, notes=notes)
    return made


def job_page(request):
    return f"/jobs/{job(request).pk}/"


def done_job_page(request):
    return f"/jobs/{job(request, done=True).pk}/"


def reveal_address(page):
    """The assigned worker asks for the address (the job's window is open)."""
    with page.expect_navigation() as nav:
        page.locator("main form[action$='/address/'] button[type=submit]").click()
    page.wait_for_selector("[role=status]")
    return nav.value


def address_url(path):
    return f"{path}address/"


def performance(request):
    """A month's figures published, one disputed (so the manager sees the resolve form)."""
    from anxin.catalogue.testing import make_client, make_item
    from anxin.delivery.services import service_record
    from anxin.performance.models import Review
    from anxin.performance.services import dispute, publish

    store, manager = request.getfixturevalue("store"), request.getfixturevalue("manager")
    desk = request.getfixturevalue("front_desk")
    a, b = request.getfixturevalue("practitioner"), request.getfixturevalue("practitioner_b")
    item = make_item(actor=manager, store=store, name="足疗", price="98.00")
    customer = make_client(actor=desk, store=store, name="赵六", phone="13800009999")
    for who in (a, b):
        service_record(actor=desk, store=store, client=customer, item=item, practitioner=who)
    publish(actor=manager, store=store, month=timezone.localdate())
    dispute(actor=b, review=Review.objects.get(practitioner=b), comment="少算了一单")
