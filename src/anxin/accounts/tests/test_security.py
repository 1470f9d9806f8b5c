"""Accounts security (SEC-7, SEC-6, SEC-8, AUD-7): lockout, sessions, second factor, policy."""

import datetime as dt

import pytest
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone, translation
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from anxin.accounts import services
from anxin.accounts.models import Agreement, PermissionReview, RoleAssignment, TrainingRecord, User

PASSWORD = "correct horse battery staple"


def attempt(client, username, password, ip="10.0.0.1"):
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip
    )


@pytest.mark.django_db
@pytest.mark.req("SEC-7")
def test_lockout_after_five_failures_per_username_and_ip(client, front_desk, practitioner):
    for _ in range(4):
        assert attempt(client, "frontdesk", "wrong").status_code == 200
    assert attempt(client, "frontdesk", "wrong").status_code == 429  # the fifth failure locks
    locked = attempt(client, "frontdesk", PASSWORD)
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    # another person at the same computer, and the same person elsewhere, are not locked
    assert attempt(client, "practitioner_a", PASSWORD).status_code == 302
    client.logout()
    assert attempt(client, "frontdesk", PASSWORD, ip="10.0.0.2").status_code == 302


@pytest.mark.django_db
@pytest.mark.req("SEC-7")
def test_lockout_cools_off_after_15_minutes(client, front_desk):
    from axes.models import AccessAttempt

    for _ in range(5):
        attempt(client, "frontdesk", "wrong")
    assert attempt(client, "frontdesk", PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=16))
    assert attempt(client, "frontdesk", PASSWORD).status_code == 302


@pytest.mark.django_db
@pytest.mark.req("SEC-7")
def test_login_gives_a_new_session_id(client, front_desk):
    client.get("/accounts/login/")
    client.cookies["sessionid"] = "attacker-chosen"
    attempt(client, "frontdesk", PASSWORD)
    assert client.cookies["sessionid"].value != "attacker-chosen"


@pytest.mark.django_db
@pytest.mark.req("SEC-7")
def test_idle_session_ends_after_30_minutes(client, front_desk):
    attempt(client, "frontdesk", PASSWORD)
    assert client.get("/").status_code == 200
    session = client.session
    session["anxin_seen_at"] -= 31 * 60
    session.save()
    response = client.get("/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
@pytest.mark.req("SEC-7")
def test_session_ends_after_12_hours_even_when_active(client, front_desk):
    attempt(client, "frontdesk", PASSWORD)
    client.get("/")
    session = client.session
    session["anxin_login_at"] -= 12 * 3600 + 1
    session.save()
    assert client.get("/").status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
@pytest.mark.req("SEC-7")
def test_administrators_must_enrol_and_pass_totp(client, admin_user):
    assert attempt(client, "admin", PASSWORD).status_code == 302
    response = client.get("/categories/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/2fa/")
    page = client.get(response["Location"])
    body = page.content.decode()
    assert page.context["enrolling"] and 'id="otp-secret"' in body  # the key as text
    device = TOTPDevice.objects.get(user=admin_user, confirmed=False)
    assert page.context["secret"].replace(" ", "") in body.replace(" ", "")
    wrong = client.post("/accounts/2fa/", {"token": "000000", "next": "/categories/"})
    assert wrong.status_code == 400
    assert not TOTPDevice.objects.get(pk=device.pk).confirmed
    TOTPDevice.objects.get(pk=device.pk).throttle_reset()  # django-otp slows down guessing
    good = client.post(
        "/accounts/2fa/", {"token": f"{totp(device.bin_key):06d}", "next": "/categories/"}
    )
    assert good.status_code == 302 and good["Location"] == "/categories/"
    assert client.get("/categories/").status_code == 200
    assert TOTPDevice.objects.get(pk=device.pk).confirmed
    # next log-in: verify, not enrol
    client.logout()
    attempt(client, "admin", PASSWORD)
    assert client.get("/categories/").status_code == 302
    assert not client.get("/accounts/2fa/").context["enrolling"]


@pytest.mark.django_db
@pytest.mark.req("SEC-7")
def test_roles_without_sensitive_permissions_need_no_second_factor(client, front_desk):
    attempt(client, "frontdesk", PASSWORD)
    assert client.get("/").status_code == 200


@pytest.mark.django_db
@pytest.mark.req("SEC-7")
def test_password_length_is_12_or_8_with_a_second_factor(front_desk):
    from django.contrib.auth.password_validation import validate_password

    with pytest.raises(ValidationError):
        validate_password("tea-pot-42x", front_desk)  # 11 characters
    TOTPDevice.objects.create(user=front_desk, name="phone", confirmed=True)
    validate_password("tea-pot-42x", front_desk)
    with pytest.raises(ValidationError):
        validate_password("tea-42x", front_desk)  # 7 characters


@pytest.mark.django_db
@pytest.mark.req("SEC-7")
def test_dengbao_profile_adds_complexity_and_expiry(client, front_desk):
    from django.contrib.auth.password_validation import validate_password

    with override_settings(ANXIN_PASSWORD_PROFILE="dengbao"):
        with pytest.raises(ValidationError):
            validate_password("alllowercaseletters", front_desk)
        validate_password("Mixed-case-and-42", front_desk)
        attempt(client, "frontdesk", PASSWORD)
        assert client.get("/").status_code == 200
        User.objects.filter(pk=front_desk.pk).update(
            password_changed_at=timezone.now() - dt.timedelta(days=91)
        )
        response = client.get("/")
        assert response.status_code == 302 and response["Location"] == "/accounts/password/"
        client.post(
            "/accounts/password/",
            {
                "old_password": PASSWORD,
                "new_password1": "New-Pass-2026!x",
                "new_password2": "New-Pass-2026!x",
            },
        )
        assert client.get("/").status_code == 200


@pytest.mark.django_db
@pytest.mark.req("SEC-6", "SEC-1", "AUD-7")
def test_an_account_opens_only_after_agreement_and_security_training(admin_user, store):
    newcomer = services.account_onboard(
        actor=admin_user, username="xiaoli", full_name="李小丽", store=store, role_key="front_desk"
    )
    assert not newcomer.is_active and not newcomer.has_usable_password()
    with translation.override("en"), pytest.raises(ValidationError, match="confidentiality"):
        services.account_activate(actor=admin_user, user=newcomer, password="a good long password")
    services.agreement_record(
        actor=admin_user,
        user=newcomer,
        kind="confidentiality",
        signed_on=dt.date(2026, 11, 1),
        document="人事档案柜 A-3",
    )
    services.training_record(
        actor=admin_user,
        user=newcomer,
        topic="security",
        course="信息安全意识",
        date=dt.date(2026, 11, 2),
        result="failed",
    )
    with translation.override("en"), pytest.raises(ValidationError, match="training"):
        services.account_activate(actor=admin_user, user=newcomer, password="a good long password")
    newcomer.refresh_from_db()
    assert not newcomer.is_active
    services.training_record(
        actor=admin_user,
        user=newcomer,
        topic="security",
        course="信息安全意识",
        date=dt.date(2026, 11, 3),
        result="passed",
    )
    services.account_activate(actor=admin_user, user=newcomer, password="a good long password")
    newcomer.refresh_from_db()
    assert newcomer.is_active and newcomer.check_password("a good long password")
    assert TrainingRecord.objects.filter(user=newcomer).count() == 2
    assert Agreement.objects.get(user=newcomer).recorded_by == admin_user


@pytest.mark.django_db
@pytest.mark.req("SEC-6")
def test_a_post_change_adjusts_the_roles(admin_user, front_desk, store):
    services.post_change(
        actor=admin_user, user=front_desk, store=store, role_keys=["store_manager"]
    )
    assert {r.key for r in front_desk.roles_in(store)} == {"store_manager"}
    assert front_desk.has_store_perm("org.manage", store)
    with pytest.raises(ValidationError):
        services.post_change(actor=admin_user, user=front_desk, store=store, role_keys=["nope"])
    assert {r.key for r in front_desk.roles_in(store)} == {"store_manager"}


@pytest.mark.django_db
@pytest.mark.req("SEC-6")
def test_offboarding_ends_all_access_at_once(client, admin_user, front_desk, store):
    attempt(client, "frontdesk", PASSWORD)
    assert client.get("/").status_code == 200
    TOTPDevice.objects.create(user=front_desk, name="phone", confirmed=True)
    result = services.account_offboard(actor=admin_user, user=front_desk)
    assert result["sessions_ended"] == 1
    assert client.get("/").status_code == 302  # the open session is gone
    front_desk.refresh_from_db()
    assert not front_desk.is_active and front_desk.offboarded_at is not None
    assert not front_desk.has_usable_password()
    assert not RoleAssignment.objects.filter(user=front_desk, active=True).exists()
    assert not TOTPDevice.objects.filter(user=front_desk).exists()
    assert attempt(client, "frontdesk", PASSWORD).status_code == 200  # cannot log in again
    assert not Session.objects.exists() or "_auth_user_id" not in client.session


@pytest.mark.django_db
@pytest.mark.req("SEC-8")
def test_permission_review_lists_who_can_do_what_and_records_decisions(
    manager, front_desk, practitioner, store, other_manager
):
    rows = services.permission_review(store=store)
    assert {(r["user"].username, r["role"].key) for r in rows} == {
        ("manager", "store_manager"),
        ("frontdesk", "front_desk"),
        ("practitioner_a", "practitioner"),
    }
    desk = next(r for r in rows if r["user"] == front_desk)
    services.permission_review_decide(
        actor=manager, assignment=desk["assignment"], keep=False, note="转岗"
    )
    assert not front_desk.roles_in(store).exists()
    mine = next(r for r in rows if r["user"] == manager)
    with pytest.raises(ValidationError):
        services.permission_review_decide(actor=manager, assignment=mine["assignment"], keep=True)
    assert PermissionReview.objects.get().kept is False


@pytest.mark.django_db
@pytest.mark.req("SEC-6", "UX-4")
def test_offboard_command_needs_confirmation_and_ends_access(front_desk, capsys, monkeypatch):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    monkeypatch.setattr("builtins.input", lambda prompt="": "no")
    with pytest.raises(CommandError):
        call_command("accounts", "offboard", "frontdesk")
    front_desk.refresh_from_db()
    assert front_desk.is_active
    with pytest.raises(CommandError):
        call_command("accounts", "offboard", "nobody", "--yes")
    call_command("accounts", "offboard", "frontdesk", "--yes")
    front_desk.refresh_from_db()
    assert not front_desk.is_active
    assert "access ended" in capsys.readouterr().out


@pytest.mark.django_db
@pytest.mark.req("SEC-8", "UX-4")
def test_review_command_lists_assignments_per_store(manager, other_manager, capsys):
    from django.core.management import call_command

    call_command("accounts", "review")
    out = capsys.readouterr().out
    assert "BJ01" in out and "SH01" in out and "manager" in out and "other_manager" in out
    call_command("accounts", "review", "--store", "sh01")
    out = capsys.readouterr().out
    assert "other_manager" in out and " manager " not in out
