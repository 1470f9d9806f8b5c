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
