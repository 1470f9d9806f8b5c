"""Page setups for the request desk and retention (privacy app, PRV-6, STO-6)."""

import pytest


@pytest.fixture
def info_officer(store):
    from anxin.accounts.services import role_assign, roles_ensure_defaults, user_create

    roles_ensure_defaults()
    user = user_create(
        username="infosec", password="correct horse battery staple", full_name="信息安全员"
    )
    role_assign(user=user, store=store, role_key="information_officer")
    return user


def _requests(request):
    import datetime as dt

    from django.utils import timezone

    from anxin.clients.selectors import client_get
    from anxin.clients.services import ConsentGiven, client_create
    from anxin.privacy.models import RightsRequest
    from anxin.privacy.rights_services import request_open

    store = request.getfixturevalue("store")
    desk = request.getfixturevalue("front_desk")
    client = client_create(
        actor=desk,
        store=store,
        name="王芳",
        phone="13812345678",
        consent=ConsentGiven(paper_location="A-1"),
    )
    client_get(actor=desk, store=store, code=client.code, purpose="预约前核对")
    made = {}
    for kind in ("access_report", "copy", "deletion", "correction"):
        made[kind] = request_open(
            actor=desk, store=store, client_code=client.code, kind=kind, identity="id_card"
        )
    RightsRequest.objects.filter(pk=made["correction"].pk).update(
        received_on=timezone.localdate() - dt.timedelta(days=20),
        due_on=timezone.localdate() - dt.timedelta(days=5),
    )
    return made


def requests(request):
    _requests(request)


def access_request_page(request):
    return f"/privacy/requests/{_requests(request)['access_report'].pk}/"


def access_report_page(request):
    return f"/privacy/requests/{_requests(request)['access_report'].pk}/access/"


def copy_request_page(request):
    return f"/privacy/requests/{_requests(request)['copy'].pk}/"


def copy_print_page(request):
    return f"/privacy/requests/{_requests(request)['copy'].pk}/copy/print/"


def deletion_request_page(request):
    return f"/privacy/requests/{_requests(request)['deletion'].pk}/"


def correction_request_page(request):
    return f"/privacy/requests/{_requests(request)['correction'].pk}/"


def retention_setup(request):
    from anxin.privacy import retention

    officer = request.getfixturevalue("info_officer")
    store = request.getfixturevalue("store")
    rule = retention.rule_create(actor=officer, store=store, kind="no_visit", months=36)
    retention.run_propose(actor=officer, store=store, rule=rule)


def run_page(request):
    from anxin.privacy.models import RetentionRun

    retention_setup(request)
    return f"/privacy/retention/runs/{RetentionRun.objects.get().pk}/"
