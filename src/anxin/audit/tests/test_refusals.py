"""Every refused request leaves exactly one denied entry in the use log (AUD-3, PRV-2).

Issue 10 defect 7: a practitioner was refused the export, a reveal without a second factor, a
follow-up task, the people list, backups, imports and API tokens with a 403 and no trace, so the
supervisor was never alerted. The refusals are now logged by one mechanism
(``anxin.audit.middleware``), once each, also where the view logged them itself.
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from anxin.api.models import ApiToken
from anxin.audit.models import Alert, OperationLog, UseLog, UseOutcome
from anxin.backups.models import Backup

# (method, path, data): what the security test found refused without a trace.
REPORTED = [
    ("get", "/clients/export/", {}),
    ("post", "/clients/export/", {"fields": ["name", "phone"], "purpose": "营销"}),
    ("post", "/clients/KH26030001/reveal/", {"field": "phone", "purpose": "回访"}),
    ("get", "/services/1/follow-up/", {}),
    ("post", "/services/1/follow-up/", {"kind": "phone"}),
    ("get", "/accounts/people/", {}),
    ("get", "/backups/", {}),
    ("post", "/backups/run/", {}),
    ("get", "/imports/clients/", {}),
    ("get", "/api/tokens/", {}),
    ("post", "/api/tokens/", {"name": "mine", "days": "30"}),
]

CONVERTER_SAMPLES = {"int": "1", "str": "x1", "slug": "x1", "path": "x1", "uuid": None}


def _paths(patterns, prefix=""):
    """Every URL of the site with sample arguments (GET-able pages only, no uuid ones)."""
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _paths(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            path, skip = route, False
            for converter in re.findall(r"<(?:(\w+):)?\w+>", route):
                sample = CONVERTER_SAMPLES.get(converter or "str")
                if sample is None:
                    skip = True
                path = re.sub(r"<(?:\w+:)?\w+>", sample or "", path, count=1)
            if not skip and "^" not in path and "(" not in path:
                yield "/" + path


def _state():
    return (
        OperationLog.objects.count(),
        ApiToken.objects.count(),
        Backup.objects.count(),
    )


def _denied():
    return UseLog.objects.filter(outcome=UseOutcome.DENIED).count()


@pytest.mark.django_db
@pytest.mark.req("AUD-3")
@pytest.mark.req("SEC-3")
@pytest.mark.parametrize(("method", "path", "data"), REPORTED)
def test_each_reported_refusal_is_logged_once_and_changes_nothing(
    client, login, practitioner, store, method, path, data, django_capture_on_commit_callbacks
):
    login(client, practitioner)
    before, denied = _state(), _denied()
    with django_capture_on_commit_callbacks(execute=True):
        response = getattr(client, method)(path, data)
    assert response.status_code == 403, path
    assert _denied() == denied + 1, path
    entry = UseLog.objects.filter(outcome=UseOutcome.DENIED).order_by("-seq").first()
    assert (entry.user, entry.store_id) == (practitioner, store.pk)
    assert entry.request_id == response["X-Request-ID"]
    assert _state() == before  # nothing written, no token, no backup
    assert Alert.objects.filter(store=store).exists()  # the supervisor hears of it


@pytest.mark.django_db
@pytest.mark.req("AUD-3")
def test_every_page_a_practitioner_is_refused_is_logged_exactly_once(
    client, login, practitioner, store
):
    login(client, practitioner)
    refused = []
    for path in sorted(set(_paths(get_resolver().url_patterns))):
        denied = _denied()
        response = client.get(path)
        if response.status_code == 403:
            refused.append(path)
            assert _denied() == denied + 1, path
    assert {"/clients/export/", "/accounts/people/", "/backups/", "/api/tokens/"} <= set(refused)
