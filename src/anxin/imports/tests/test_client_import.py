"""UX-5 / UX-6: the xlsx import framework with the client importer — template, row-by-row
errors in the user's language, all or nothing, progress, bad files."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from anxin.audit.models import OperationLog
from anxin.clients.models import Client, Consent, SearchKey
from anxin.imports import base, services
from anxin.imports.models import ImportJob

HEAD = ["姓名", "性别", "出生日期", "电话", "身份证号", "同意处理个人信息", "纸质登记表存放位置"]
GOOD = [
    ["张三", "男", "1990-03-07", "13812345678", "110101199003071233", "是", "盒1"],
    ["李四", "女", None, 13912345678, None, "是", "盒1"],
    ["王五", "female", "1985-12-01", "", "", "yes", "盒2"],
]


def xlsx(rows, head=HEAD):
    book = Workbook()
    sheet = book.active
    if head is not None:
        sheet.append(head)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, content, name="clients.xlsx"):
    return client.post("/imports/clients/", {"file": SimpleUploadedFile(name, content)})


def job():
    return ImportJob.objects.get()


@pytest.mark.django_db(transaction=True)
@pytest.mark.req("UX-5", "UX-6", "CLI-1")
def test_a_good_file_is_imported_with_consents_codes_and_search_keys(
    client, login, front_desk, store
):
    login(client, front_desk)
    response = upload(client, xlsx(GOOD))
    assert response.status_code == 302
    j = job()
    assert j.status == "done" and j.imported == 3 and j.total == 3 and j.done == 3
    assert j.content == ""  # the upload is erased
    zhang = Client.objects.get(name="张三")
    assert zhang.phone == "13812345678" and zhang.gender == "M"
    assert zhang.general_consent and zhang.confirmation == "paper" and zhang.paper_location == "盒1"
    assert Client.objects.get(name="李四").phone == "13912345678"  # a number cell
    assert Client.objects.get(name="王五").gender == "F"
    assert Consent.objects.filter(kind="general", channel="import").count() == 3
    assert SearchKey.objects.filter(key="zs").exists()
    assert OperationLog.objects.filter(action="import").get().changes["count"][1] == 3
    page = client.get(f"/imports/jobs/{j.pk}/").content.decode()
    assert "3" in page and "imported" in page.lower()


@pytest.mark.django_db(transaction=True)
@pytest.mark.req("UX-5")
def test_one_bad_row_and_nothing_is_imported_with_a_row_by_row_report(
    client, login, front_desk, store
):
    rows = [
        *GOOD,
        ["赵六", "男", "1990-03-07", "12345", "110101199003071234", "是", "盒1"],
        ["", "男", "不是日期", "", "", "是", "盒1"],
        ["钱七", "男", None, "13812345678", "", "否", ""],
        ["<script>alert(1)</script>", "男", None, "", "", "maybe", "盒1"],
    ]
    login(client, front_desk)
    client.cookies["django_language"] = "en"
    upload(client, xlsx(rows))
    j = job()
    assert j.status == "failed" and j.imported == 0
    assert not Client.objects.exists() and not Consent.objects.exists()
    by_row = {}
    for e in j.errors:
        by_row.setdefault(e["row"], []).append((e["column"], e["message"]))
    assert {c for c, _m in by_row[5]} == {"Phone", "ID number"}
    assert {c for c, _m in by_row[6]} >= {"Full name", "Birth date"}
    assert {c for c, _m in by_row[7]} >= {"Consent to processing", "Paper form archive location"}
    assert any("是" in m for _c, m in by_row[8])
    page = client.get(f"/imports/jobs/{j.pk}/").content.decode()
    assert "Nothing was imported" in page and "<script>alert(1)" not in page


@pytest.mark.django_db(transaction=True)
@pytest.mark.req("UX-5", "CLI-6")
def test_duplicates_in_the_file_and_in_the_store_are_refused(client, login, front_desk, store):
    login(client, front_desk)
    upload(client, xlsx(GOOD[:1]))
    assert Client.objects.count() == 1
    existing = Client.objects.get().code
    rows = [
        ["孙八", "男", None, "13812345678", "", "是", "盒1"],
        ["周九", "男", None, "13700000001", "", "是", "盒1"],
        ["吴十", "男", None, "137 0000 0001", "", "是", "盒1"],
    ]
    client.cookies["django_language"] = "en"
    upload(client, xlsx(rows))
    j = ImportJob.objects.latest("pk")
    assert j.status == "failed" and Client.objects.count() == 1
    messages = {e["row"]: e["message"] for e in j.errors}
    assert existing in messages[2] and "row 3" in messages[4]


@pytest.mark.django_db
@pytest.mark.req("UX-5")
@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "empty"),
        ("name,phone\n张三,138".encode(), "not an Excel"),
        (b"PK\x03\x04garbage", "not an Excel"),
        (xlsx([], head=None), "empty"),
        (xlsx([]), "no rows"),
        (xlsx(GOOD, head=["姓名", "电话"]), "missing"),
    ],
)
def test_bad_files_get_a_clear_message_and_nothing_happens(
    client, login, front_desk, content, words
):
    login(client, front_desk)
    client.cookies["django_language"] = "en"
    response = upload(client, content, name="clients.xlsx")
    assert response.status_code == 400
    assert words in " ".join(response.context["form"].errors["file"])
    assert not ImportJob.objects.exists() and not Client.objects.exists()


@pytest.mark.django_db
@pytest.mark.req("UX-5")
def test_a_huge_file_is_refused_before_reading(client, login, front_desk, monkeypatch):
    monkeypatch.setattr(services, "MAX_BYTES", 1000)
    login(client, front_desk)
    client.cookies["django_language"] = "en"
    response = upload(client, xlsx(GOOD * 50))
    assert response.status_code == 400 and "larger than" in str(response.context["form"].errors)
    assert not ImportJob.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.req("UX-5")
def test_too_many_rows_is_a_file_problem(client, login, front_desk, monkeypatch):
    monkeypatch.setattr(base.get("clients"), "max_rows", 2)
    login(client, front_desk)
    upload(client, xlsx(GOOD))
    assert job().status == "failed" and "more than 2 rows" in job().message
    assert not Client.objects.exists()


@pytest.mark.django_db
@pytest.mark.req("UX-5")
def test_the_template_has_the_columns_in_the_users_language_and_reimports(
    client, login, front_desk
):
    login(client, front_desk)
    client.cookies["django_language"] = "en"
    response = client.get("/imports/clients/template.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    head = [c.value for c in sheet[1]]
    assert "Full name *" in head and "Phone" in head and "Registered on" in head
    # the template's own example row imports cleanly
    assert services.read_rows(base.get("clients"), response.content)[0][1]["name"] == "张三"


@pytest.mark.django_db
@pytest.mark.req("UX-5", "SEC-3")
def test_who_may_not_register_may_not_import_and_nothing_changes(client, login, practitioner):
    login(client, practitioner)
    assert client.get("/imports/clients/").status_code == 403
    assert client.get("/imports/clients/template.xlsx").status_code == 403
    assert upload(client, xlsx(GOOD)).status_code == 403
    assert not ImportJob.objects.exists() and not Client.objects.exists()
    assert client.get("/imports/nothing/").status_code == 404


@pytest.mark.django_db(transaction=True)
@pytest.mark.req("UX-5")
def test_a_job_is_seen_only_by_its_owner(client, login, front_desk, manager):
    login(client, front_desk)
    upload(client, xlsx(GOOD))
    pk = job().pk
    client.logout()
    login(client, manager)
    assert client.get(f"/imports/jobs/{pk}/").status_code == 404


@pytest.mark.django_db(transaction=True)
@pytest.mark.req("UX-6")
def test_progress_partial_polls_while_running(client, login, front_desk, store):
    login(client, front_desk)
    j = ImportJob.objects.create(
        store=store, user=front_desk, importer="clients", filename="a.xlsx", language="en",
        status="checking", total=200, done=50,
    )  # fmt: skip
    partial = client.get(f"/imports/jobs/{j.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 1s"' in partial and 'value="25"' in partial and "<html" not in partial
    ImportJob.objects.filter(pk=j.pk).update(status="done", imported=200)
    done = client.get(f"/imports/jobs/{j.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "every 1s" not in done
