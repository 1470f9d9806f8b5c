import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.test import override_settings

from anxin.accounts.models import Role, RoleAssignment
from anxin.accounts.permissions import DEFAULT_ROLES, PERMISSIONS

PASSWORD = "correct horse battery staple"


@pytest.mark.django_db
@pytest.mark.req("SEC-2")
def test_default_roles_exist_as_data_with_known_permissions():
    keys = set(Role.objects.values_list("key", flat=True))
    assert set(DEFAULT_ROLES) <= keys
    assert {
        "front_desk",
        "practitioner",
        "store_manager",
        "hr",
        "attendance_clerk",
        "finance",
        "marketing",
        "equipment_manager",
        "purchasing",
        "information_officer",
        "auditor",
        "system_admin",
    } <= keys
    from anxin.accounts.policy import is_known_grant

    for role in Role.objects.all():
        assert all(p in PERMISSIONS or is_known_grant(p) for p in role.permissions), role.key


@pytest.mark.django_db
@pytest.mark.req("SEC-2")
def test_roles_are_configurable(store, make_persona):
    role = Role.objects.get(key="front_desk")
    user = make_persona("desk", store, "front_desk")
    assert not user.has_store_perm("core.manage_categories", store)
    role.permissions = [*role.permissions, "core.manage_categories"]
    role.full_clean()
    role.save()
    assert user.has_store_perm("core.manage_categories", store)
    role.permissions = ["no.such_permission"]
    with pytest.raises(ValidationError) as exc:
        role.full_clean()
    assert "no.such_permission" in exc.value.message_dict["permissions"][0]


@pytest.mark.django_db
@pytest.mark.req("PLT-3")
def test_roles_are_held_per_store(store, other_store, make_persona):
    user = make_persona("multi", store, "system_admin")
    assert user.has_store_perm("core.manage_categories", store)
    assert not user.has_store_perm("core.manage_categories", other_store)
    assert list(user.stores()) == [store]
    RoleAssignment.objects.filter(user=user).update(active=False)
    assert not user.has_store_perm("core.manage_categories", store)
    assert list(user.stores()) == []


@pytest.mark.django_db
@pytest.mark.req("PLT-3")
def test_store_switch_only_to_ones_own_stores(client, login, store, other_store, make_persona):
    from anxin.accounts.services import role_assign

    user = make_persona("multi", store, "store_manager")
    login(client, user)
    assert client.get("/").context["current_store"] == store
    client.post("/accounts/store/", {"store": other_store.pk})
    assert client.get("/").context["current_store"] == store  # not theirs: ignored
    role_assign(user=user, store=other_store, role_key="front_desk")
    client.post("/accounts/store/", {"store": other_store.pk})
    response = client.get("/")
    assert response.context["current_store"] == other_store
    assert "浦东店" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.req("SEC-1")
def test_login_and_logout(client, front_desk):
    response = client.post("/accounts/login/", {"username": "frontdesk", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    session_before = client.session.session_key
    client.post("/accounts/logout/")
    assert client.get("/").status_code == 302
    assert client.session.session_key != session_before


@pytest.mark.django_db
@pytest.mark.req("SEC-1", "PLT-4")
def test_wrong_password_is_a_clear_message_and_no_session(client, front_desk):
    response = client.post("/accounts/login/", {"username": "frontdesk", "password": "wrong"})
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
@pytest.mark.req("SEC-7")
def test_passwords_are_hashed_with_argon2():
    from anxin.config.settings import base

    with override_settings(PASSWORD_HASHERS=base.PASSWORD_HASHERS):
        user = get_user_model()(username="hashme")
        user.set_password(PASSWORD)
        assert user.password.startswith("argon2$argon2id$")
        assert PASSWORD not in user.password
        assert user.check_password(PASSWORD)


@pytest.mark.django_db
@pytest.mark.req("SEC-7")
def test_short_and_common_passwords_are_refused():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for bad in ["short1", "password1234", "123456789012"]:
        with pytest.raises(ValidationError):
            validate_password(bad)
    validate_password("按摩 horse staple 42")
