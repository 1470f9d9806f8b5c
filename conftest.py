"""Shared test set-up: personas, and the traceability recorder behind `make trace`."""

import json
import os

import pytest
from hypothesis import settings as hypothesis_settings

# Tests prove behaviour, not speed: a loaded CI machine must not fail them on a deadline.
hypothesis_settings.register_profile("anxin", deadline=None, max_examples=100)
hypothesis_settings.load_profile("anxin")

# -- traceability: which SPEC IDs each test proves, and whether it passed -------------------


def pytest_collection_modifyitems(items):
    for item in items:
        ids = [i for m in item.iter_markers("req") for i in m.args]
        if ids:
            item.user_properties.append(("req", ids))


def pytest_runtest_setup(item):
    """``postgresql_only`` tests (PostgreSQL's query plans) are skipped on SQLite."""
    if item.get_closest_marker("postgresql_only"):
        from django.db import connection

        if connection.vendor != "postgresql":
            pytest.skip("PostgreSQL only (set DATABASE_URL)")


def pytest_runtest_logreport(report):
    path = os.environ.get("ANXIN_TRACE_FILE")
    if not path:
        return
    ids = next((v for k, v in report.user_properties if k == "req"), None)
    if not ids:
        return
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        outcome = report.outcome
        if report.when == "setup" and outcome == "skipped":
            outcome = "skipped"
        line = {
            "test": report.nodeid,
            "run": os.environ.get("ANXIN_TRACE_LABEL", ""),
            "req": ids,
            "outcome": outcome,
        }
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(line) + "\n")


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (the home page keeps its panels a minute) and no
    marks of anyone's change (user ids are given again in the next test)."""
    from django.core.cache import cache, caches

    cache.clear()
    caches["marks"].clear()
    yield


# -- personas (Healthchecks' Alice/Bob/Charlie) -------------------------------------------


@pytest.fixture
def store(db):
    from anxin.accounts.services import store_create

    return store_create(name="朝阳店", short_code="BJ01")


@pytest.fixture
def other_store(db):
    from anxin.accounts.services import store_create

    return store_create(name="浦东店", short_code="SH01")


def _persona(username, store, role_key):
    from anxin.accounts.services import role_assign, roles_ensure_defaults, user_create

    # A transactional test's flush empties the roles the migrations made; bring them back.
    roles_ensure_defaults()

    user = user_create(
        username=username, password="correct horse battery staple", full_name=username
    )
    role_assign(user=user, store=store, role_key=role_key)
    return user


@pytest.fixture
def make_persona(db):
    return _persona


@pytest.fixture
def front_desk(store):
    return _persona("frontdesk", store, "front_desk")


@pytest.fixture
def practitioner(store):
    return _persona("practitioner_a", store, "practitioner")


@pytest.fixture
def practitioner_b(store):
    return _persona("practitioner_b", store, "practitioner")


@pytest.fixture
def manager(store):
    return _persona("manager", store, "store_manager")


@pytest.fixture
def finance(store):
    return _persona("finance", store, "finance")


@pytest.fixture
def auditor(store):
    return _persona("auditor", store, "auditor")


@pytest.fixture
def admin_user(store):
    return _persona("admin", store, "system_admin")


@pytest.fixture
def other_manager(other_store):
    return _persona("other_manager", other_store, "store_manager")


def verify_second_factor(client, user):
    """Give the test client's session a verified TOTP device, as a real log-in would."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


@pytest.fixture
def login(db):
    """``login(client, user)``: log in; roles that need a second factor also pass it."""

    def do(client, user):
        from anxin.accounts.security import requires_second_factor

        client.force_login(user)
        if requires_second_factor(user):
            verify_second_factor(client, user)
        return client

    return do
