"""Set-up for the clients and imports pages in APP_PAGES (registration states, search, consent,
data quality, settings, review, imports)."""

import io


def _make(request, *, name="李四", phone="13812345678", health=True, actor="front_desk"):
    from anxin.clients.services import ConsentGiven, client_create

    return client_create(
        actor=request.getfixturevalue(actor),
        store=request.getfixturevalue("store"),
        name=name,
        phone=phone,
        allergies="花粉过敏" if health else "",
        consent=ConsentGiven(health=health, paper_location="A-1"),
    )


def search_page(request):
    _make(request)
    _make(request, name="李思", phone="13912345678")
    return "/clients/?q=ls"


def consent_page(request):
    return f"/clients/{_make(request).code}/consent/"


def health_closed_page(request):
    return f"/clients/{_make(request, health=False).code}/"


def pending_page(request):
    from anxin.clients.models import StoreClientSettings

    StoreClientSettings.objects.create(
        store=request.getfixturevalue("store"), review_new_clients=True
    )
    return f"/clients/{_make(request).code}/"


def quality_setup(request):
    import datetime as dt

    from django.utils import timezone

    from anxin.clients.models import Client
    from anxin.clients.services import client_create

    store = request.getfixturevalue("store")
    desk = request.getfixturevalue("front_desk")
    _make(request)
    bare = client_create(actor=desk, store=store, name="王五", phone="12345")
    Client.objects.filter(pk=bare.pk).update(created_at=timezone.now() - dt.timedelta(days=400))


def _submit(page, form="main form[method=post]"):
    with page.expect_navigation() as nav:
        page.locator(f"{form} button[type=submit]").first.click()
    return nav.value


def fill_registration(page, *, phone="13812345678"):
    page.fill("#id_name", "李四")
    page.fill("#id_phone", phone)
    page.check("#id_general_consent")
    page.fill("#id_signature_name", "李四")


def register_duplicate(page):
    fill_registration(page)
    response = _submit(page)
    page.wait_for_selector("#form-errors")
    return response


def xlsx_bytes(rows):
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload_not_xlsx(page):
    page.set_input_files(
        "#id_file", files=[{"name": "clients.xlsx", "mimeType": "text/csv", "buffer": b"a,b\n"}]
    )
    response = _submit(page)
    page.wait_for_selector("#form-errors")
    return response


def _job(request, **fields):
    from anxin.imports.models import ImportJob

    job = ImportJob.objects.create(
        store=request.getfixturevalue("store"),
        user=request.getfixturevalue("front_desk"),
        importer="clients",
        filename="客户.xlsx",
        language="zh-hans",
        **fields,
    )
    return f"/imports/jobs/{job.pk}/"


def job_failed(request):
    return _job(
        request,
        status="failed",
        total=3,
        done=3,
        error_count=2,
        message="Nothing was imported: correct the rows listed and upload again.",
        errors=[
            {"row": 2, "column": "电话", "message": "这不是电话号码。"},
            {"row": 3, "column": "姓名", "message": "<b>不可信</b>"},
        ],
    )


def job_running(request):
    return _job(request, status="checking", total=2000, done=500)


def job_done(request):
    return _job(request, status="done", total=20, done=20, imported=20)


def full_file_page(request):
    """A regular: services with two practitioners and two bookings ahead (issue 12's client
    file: visits and spending, upcoming bookings, the actions)."""
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone

    from anxin.clients.models import ServiceRecord
    from anxin.scheduling.models import Appointment, Status

    store = request.getfixturevalue("store")
    who = request.getfixturevalue("practitioner")
    who.full_name = "彭玉勇"
    who.save(update_fields=["full_name"])
    client = _make(request, name="林小雨")
    now = timezone.now()
    for days, item, amount in [(60, "推拿", "168.00"), (30, "推拿", "168.00"), (3, "足疗", "98")]:
        ServiceRecord.objects.create(
            store=store, client=client, practitioner=who, item_name=item,
            served_at=now - dt.timedelta(days=days), amount=Decimal(amount),
        )  # fmt: skip
    for n, hours in enumerate((2, 30)):
        start = now + dt.timedelta(hours=hours)
        Appointment.objects.create(
            store=store, client=client, practitioner=who, item_name="全身按摩", start=start,
            end=start + dt.timedelta(minutes=60), busy_until=start + dt.timedelta(minutes=70),
            status=Status.BOOKED, code=f"YY26120{n:03d}",
        )  # fmt: skip
    return f"/clients/{client.code}/"
