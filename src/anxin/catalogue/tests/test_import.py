"""UX-5: service items from .xlsx — every row checked, all or nothing, codes and price history."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from anxin.audit.models import OperationLog
from anxin.catalogue.models import ItemPrice, ServiceItem
from anxin.catalogue.testing import item_category
from anxin.imports.models import ImportJob

HEAD = ["类别", "名称", "说明", "价格（元）", "时长（分钟）", "在售"]


def xlsx(rows, head=HEAD):
    book = Workbook()
    sheet = book.active
    sheet.append(head)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, content):
    return client.post(
        "/imports/items/",
        {"file": SimpleUploadedFile("items.xlsx", content)},
        HTTP_ACCEPT_LANGUAGE="en",  # the report is in the language of the one who uploads
    )


@pytest.fixture
def categories(db):
    return item_category(1), item_category(2)


@pytest.mark.django_db(transaction=True)
@pytest.mark.req("UX-5", "BIZ-1")
def test_items_are_imported_with_codes_prices_and_log(client, login, manager, store, categories):
    _first, second = categories
    login(client, manager)
    rows = [
        ["01", "全身推拿", "经典", 128, 60, "是"],
        [second.name, "足疗", "", "98.50", 45, "否"],
    ]
    assert upload(client, xlsx(rows)).status_code == 302
    job = ImportJob.objects.get()
    assert (job.status, job.imported) == ("done", 2), job.message
    massage = ServiceItem.objects.get(name="全身推拿")
    assert massage.code.startswith("XM01") and massage.price == 128 and massage.active
    foot = ServiceItem.objects.get(name="足疗")
    assert foot.code.startswith(f"XM{second.number:02d}") and not foot.active
    assert ItemPrice.objects.filter(item=foot, price="98.50").exists()
    assert OperationLog.objects.filter(record_code=massage.code, action="create").exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.req("UX-5")
def test_one_bad_row_and_nothing_is_imported_with_a_report_per_row(
    client, login, manager, store, categories
):
    login(client, manager)
    rows = [
        ["01", "全身推拿", "", 128, 60, "是"],
        ["99", "不存在的类别", "", 100, 60, "是"],
        ["01", "负价", "", -5, 60, "是"],
        ["01", "全身推拿", "", 128, 60, "是"],
        ["01", "时长为零", "", 128, 0, "也许"],
    ]
    upload(client, xlsx(rows))
    job = ImportJob.objects.get()
    assert job.status != "done" and job.imported == 0
    assert ServiceItem.objects.count() == 0
    page = client.get(f"/imports/jobs/{job.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for text in ("No service item category", "是"):
        assert text in page


@pytest.mark.django_db(transaction=True)
@pytest.mark.req("UX-5")
def test_a_name_twice_in_the_file_or_already_in_the_store_is_refused(
    client, login, manager, store, categories
):
    from anxin.catalogue.testing import make_item

    make_item(actor=manager, store=store, name="已有项目")
    login(client, manager)
    rows = [["01", "新项目", "", 128, 60, "是"], ["01", "新项目", "", 98, 45, "是"]]
    rows.append(["01", "已有项目", "", 1, 1, "是"])
    upload(client, xlsx(rows))
    job = ImportJob.objects.get()
    assert job.imported == 0 and ServiceItem.objects.count() == 1
    page = client.get(f"/imports/jobs/{job.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "same name is on row 2" in page and "already has an item with this name" in page


@pytest.mark.django_db
def test_without_the_permission_there_is_no_item_import(client, login, front_desk, store):
    login(client, front_desk)
    assert client.get("/imports/items/").status_code in (403, 404)
    assert upload(client, xlsx([["01", "x", "", 1, 1, "是"]])).status_code in (403, 404)
    assert ImportJob.objects.count() == 0
