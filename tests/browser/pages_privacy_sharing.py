"""Page setups for the privacy app's sharing, disclosure and incident pages (issue 13, PRV-3,
PRV-4, PRV-5, PRV-7): records made through the services, so the pages show real content."""

import datetime as dt

import pytest


@pytest.fixture
def officer_user(store, make_persona):
    return make_persona("officer_user", store, "information_officer")


def _client(request, name="李四", phone="13812345678"):
    from anxin.clients.services import ConsentGiven, client_create

    return client_create(
        actor=request.getfixturevalue("front_desk"),
        store=request.getfixturevalue("store"),
        name=name,
        phone=phone,
        allergies="花粉过敏",
        consent=ConsentGiven(health=True, paper_location="A-1"),
    )


def _grant(request):
    from django.utils import timezone

    from anxin.clients.selectors import client_get
    from anxin.privacy.services_sharing import grant_create

    store = request.getfixturevalue("store")
    colleague = request.getfixturevalue("practitioner_b")
    client = _client(request)
    now = timezone.now()
    grant = grant_create(
        actor=request.getfixturevalue("manager"),
        store=store,
        purpose="季度回访",
        scope="clients",
        client_codes=[client.code],
        health=True,
        starts_at=now - dt.timedelta(minutes=5),
        ends_at=now + dt.timedelta(days=30),
        users=[colleague],
        agreement_location="档案柜 B-3",
    )
    client_get(actor=colleague, store=store, code=client.code)  # one read under the grant
    return grant


def grant_page(request):
    return f"/privacy/grants/{_grant(request).pk}/"


def grants_setup(request):
    _grant(request)


def _partner(request, *, agreement=True):
    from django.utils import timezone

    from anxin.privacy import services_transfers as services

    store, officer = request.getfixturevalue("store"), request.getfixturevalue("officer_user")
    partner = services.partner_create(actor=officer, store=store, name="康健体检中心")
    if agreement:
        today = timezone.localdate()
        services.agreement_add(
            actor=officer,
            store=store,
            partner=partner,
            kind="processing",
            valid_from=today - dt.timedelta(days=10),
            valid_until=today + dt.timedelta(days=300),
            location="合同柜 C-1",
        )
    return partner


def partner_page(request):
    return f"/privacy/partners/{_partner(request).pk}/"


def _transfer(request):
    from anxin.privacy.services_transfers import transfer_create

    partner = _partner(request)
    record, _content = transfer_create(
        actor=request.getfixturevalue("officer_user"),
        store=request.getfixturevalue("store"),
        partner=partner,
        legal_basis="consent",
        purpose="体检预约",
        fields=["code", "name"],
        client_codes=[_client(request).code],
        channel="email",
    )
    return record


def transfer_page(request):
    return f"/privacy/transfers/{_transfer(request).pk}/"


def transfers_setup(request):
    _transfer(request)


def _disclosure(request):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from anxin.privacy.services_disclosures import disclosure_create

    officer = request.getfixturevalue("officer_user")
    return disclosure_create(
        actor=officer,
        store=request.getfixturevalue("store"),
        document_type="investigation",
        document_number="京公(朝)调证字〔2026〕118号",
        issuing_body="北京市公安局朝阳分局",
        document_upload=SimpleUploadedFile("notice.pdf", b"%PDF-1.4\n%\n"),
        verified_by=officer,
        verification="致电分局核实文号",
        recipient="民警 张某",
        fields=["code", "name", "phone"],
        client_codes=[_client(request).code],
    )


def disclosure_page(request):
    return f"/privacy/disclosures/{_disclosure(request).pk}/"


def disclosures_setup(request):
    _disclosure(request)


def _incident(request):
    from django.utils import timezone

    from anxin.clients.selectors import client_get
    from anxin.privacy import services_incidents as services

    store, officer = request.getfixturevalue("store"), request.getfixturevalue("officer_user")
    desk = request.getfixturevalue("front_desk")
    client = _client(request)
    start = timezone.now() - dt.timedelta(minutes=1)
    client_get(actor=desk, store=store, code=client.code)
    incident = services.incident_create(
        actor=officer,
        store=store,
        title="前台电脑被借用",
        description="一名前台在下班后查看了客户档案。",
        found_at=timezone.now() - dt.timedelta(hours=1),
        found_by=officer,
        scope="客户档案，最近 30 天",
        severity="high",
    )
    services.action_add(
        actor=officer,
        store=store,
        incident=incident,
        kind="containment",
        description="停用该账户",
        owner=officer,
    )
    from anxin.privacy.services_affected import affected_from_reads

    affected_from_reads(
        actor=officer, store=store, incident=incident, account=desk, start=start,
        end=timezone.now(),
    )  # fmt: skip
    services.notice_text_write(
        actor=officer,
        store=store,
        incident=incident,
        what_happened="一名员工在下班后查看了您的档案。",
        data_involved="姓名、电话。",
        measures="已停用该账户。",
        client_steps="留意陌生来电。",
        contact="信息安全员 010-12345678",
    )
    return incident


def incident_page(request):
    return f"/privacy/incidents/{_incident(request).pk}/"


def incidents_setup(request):
    _incident(request)


def submit_form(name):
    """Submit one of the incident page's forms empty: its errors are shown, focused."""

    def submit(page):
        with page.expect_navigation() as nav:
            page.locator(f"form:has(input[name=form][value={name}]) button[type=submit]").click()
        page.wait_for_selector("#form-errors")
        return nav.value

    return submit
