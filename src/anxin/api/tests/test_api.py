"""Personal API tokens: the same scope and use log as the pages, and revoked at offboarding."""

import datetime as dt

import pytest
from django.utils import timezone

from anxin.accounts.models import RoleAssignment
from anxin.accounts.services import account_offboard
from anxin.api import services
from anxin.api.models import ApiToken
from anxin.audit.models import UseLog
from anxin.clients.models import ServiceRecord
from anxin.clients.services import client_create


def bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def a_client(store, front_desk):
    return client_create(actor=front_desk, store=store, name="王芳", phone="13812345678")


@pytest.mark.django_db
@pytest.mark.req("SEC-3")
def test_a_token_reads_through_the_same_scoped_selector_and_is_use_logged(
    client, store, manager, a_client
):
    _row, token = services.token_create(actor=manager, store=store, name="kiosk")
    before = UseLog.objects.count()
    response = client.get(f"/api/v1/clients/{a_client.code}", **bearer(token))
    assert response.status_code == 200
    data = response.json()
    assert data["code"] == a_client.code and data["phone"] == "138****5678"
    entry = UseLog.objects.order_by("-seq").first()
    assert UseLog.objects.count() == before + 1
    assert (entry.user, entry.record_code, entry.outcome) == (manager, a_client.code, "allowed")


@pytest.mark.django_db
@pytest.mark.req("SEC-3")
def test_out_of_scope_through_the_api_is_404_and_logged_as_denied(
    client, store, make_persona, a_client
):
    # A practitioner who never served the client, holding a token: not found, and logged.
    person = make_persona("api_practitioner", store, "practitioner")
    role = person.roles_in(store).get()
    role.permissions = [*role.permissions, "api.use"]
    role.save()
    _row, token = services.token_create(actor=person, store=store, name="phone")
    response = client.get(f"/api/v1/clients/{a_client.code}", **bearer(token))
    assert response.status_code == 404
    entry = UseLog.objects.order_by("-seq").first()
    assert (entry.user, entry.record_id, entry.outcome) == (person, a_client.code, "denied")
    # once served, the same token sees the client, without contact details
    ServiceRecord.objects.create(
        store=store,
        client=a_client,
        practitioner=person,
        served_at=timezone.now(),
        item_name="推拿",
        amount="100.00",
    )
    data = client.get(f"/api/v1/clients/{a_client.code}", **bearer(token)).json()
    assert data["code"] == a_client.code and "phone" not in data


@pytest.mark.django_db
@pytest.mark.req("SEC-6")
def test_offboarding_revokes_every_token_at_once(client, store, admin_user, manager, a_client):
    _row, token = services.token_create(actor=manager, store=store, name="kiosk")
    _row2, token2 = services.token_create(actor=manager, store=store, name="report")
    assert client.get("/api/v1/me", **bearer(token)).status_code == 200
    result = account_offboard(actor=admin_user, user=manager)
    assert result["access_revoked"] == {"api tokens": 2}
    assert not ApiToken.objects.filter(user=manager, revoked_at__isnull=True).exists()
    for t in (token, token2):
        assert client.get(f"/api/v1/clients/{a_client.code}", **bearer(t)).status_code == 401


@pytest.mark.django_db
@pytest.mark.parametrize(
    "header",
    ["", "Bearer ", "Bearer anx_not-a-token", "Basic dXNlcjpwYXNz", "Bearer " + "a" * 5000],
)
def test_missing_or_bad_tokens_are_refused(client, header, a_client):
    response = client.get(f"/api/v1/clients/{a_client.code}", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.django_db
def test_expired_revoked_and_role_less_tokens_stop_working(client, store, manager):
    row, token = services.token_create(actor=manager, store=store, name="kiosk")
    assert client.get("/api/v1/me", **bearer(token)).json()["roles"] == ["store_manager"]
    ApiToken.objects.filter(pk=row.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert client.get("/api/v1/me", **bearer(token)).status_code == 401
    ApiToken.objects.filter(pk=row.pk).update(expires_at=timezone.now() + dt.timedelta(days=1))
    RoleAssignment.objects.filter(user=manager).update(active=False)
    assert client.get("/api/v1/me", **bearer(token)).status_code == 401
    RoleAssignment.objects.filter(user=manager).update(active=True)
    services.token_revoke(actor=manager, token=row)
    assert client.get("/api/v1/me", **bearer(token)).status_code == 401


@pytest.mark.django_db
def test_only_a_digest_is_stored(store, manager):
    row, token = services.token_create(actor=manager, store=store, name="kiosk")
    assert token not in {row.digest, row.prefix} and len(token) > 40
    assert row.digest == services.digest(token)


@pytest.mark.django_db
def test_the_tokens_page_shows_a_new_token_once_and_refuses_bad_input(
    client, login, store, manager
):
    login(client, manager)
    bad = client.post("/api/tokens/", {"name": "", "days": "9999"})
    assert bad.status_code == 400 and ApiToken.objects.count() == 0
    made = client.post("/api/tokens/", {"name": "kiosk", "days": "30"}).content.decode()
    row = ApiToken.objects.get()
    assert row.prefix in made and 'id="new-token"' in made
    assert 'id="new-token"' not in client.get("/api/tokens/").content.decode()
    client.post(f"/api/tokens/{row.pk}/revoke/")
    row.refresh_from_db()
    assert row.revoked_at is not None


@pytest.mark.django_db
def test_without_the_permission_no_token_page_and_no_token(client, login, store, front_desk):
    from django.core.exceptions import PermissionDenied

    login(client, front_desk)
    assert client.get("/api/tokens/").status_code == 403
    assert client.post("/api/tokens/", {"name": "x", "days": "30"}).status_code == 403
    with pytest.raises(PermissionDenied):
        services.token_create(actor=front_desk, store=store, name="x")
    assert ApiToken.objects.count() == 0


@pytest.mark.django_db
def test_one_cannot_revoke_someone_elses_token(client, login, store, manager, admin_user):
    row, _token = services.token_create(actor=manager, store=store, name="kiosk")
    login(client, admin_user)
    assert client.post(f"/api/tokens/{row.pk}/revoke/").status_code == 404
    row.refresh_from_db()
    assert row.revoked_at is None
