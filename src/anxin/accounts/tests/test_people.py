"""The account lifecycle pages: onboarding to leaving, permission review (SEC-6, SEC-8)."""

import pytest
from django.core.exceptions import PermissionDenied

from anxin.accounts.models import PermissionReview, RoleAssignment, User


@pytest.mark.django_db
@pytest.mark.req("SEC-6", "AUD-7", "SEC-5")
def test_onboarding_through_the_pages(client, login, admin_user, store, make_persona):
    login(client, admin_user)
    response = client.post(
        "/accounts/people/new/",
        {"username": "xiaoli", "full_name": "李小丽", "phone": "", "role": "front_desk"},
    )
    person = User.objects.get(username="xiaoli")
    assert response["Location"] == f"/accounts/people/{person.pk}/"
    url = response["Location"]
    assert not person.is_active
    page = client.get(url).content.decode()
    assert "李小丽" in page
    bad = client.post(
        url,
        {
            "action": "activate",
            "activate-password1": "long enough pass 1",
            "activate-password2": "long enough pass 1",
        },
    )
    assert bad.status_code == 400
    person.refresh_from_db()
    assert not person.is_active
    client.post(
        url,
        {
            "action": "agreement",
            "agreement-kind": "confidentiality",
            "agreement-signed_on": "2026-11-01",
            "agreement-document": "档案柜 A-3",
        },
    )
    client.post(
        url,
        {
            "action": "training",
            "training-topic": "security",
            "training-course": "信息安全意识培训",
            "training-date": "2026-11-02",
            "training-result": "passed",
        },
    )
    ok = client.post(
        url,
        {
            "action": "activate",
            "activate-password1": "long enough pass 1",
            "activate-password2": "long enough pass 1",
        },
    )
    assert ok.status_code == 302
    person.refresh_from_db()
    assert person.is_active and person.check_password("long enough pass 1")
    # A new role is proposed, not granted: someone else must approve it (SEC-5).
    no_reason = client.post(url, {"action": "post", "post-roles": ["store_manager"]})
    assert no_reason.status_code == 400
    assert {r.key for r in person.roles_in(store)} == {"front_desk"}
    client.post(url, {"action": "post", "post-roles": ["store_manager"], "post-reason": "升任店长"})
    assert {r.key for r in person.roles_in(store)} == set()  # front desk given up at once
    from anxin.approvals.models import ChangeRequest
    from anxin.approvals.services import change_approve

    change = ChangeRequest.objects.get(state="pending")
    with pytest.raises(PermissionDenied):
        change_approve(actor=admin_user, change=change)  # not one's own proposal
    assert {r.key for r in person.roles_in(store)} == set()
    other_admin = make_persona("admin2", store, "system_admin")
    change_approve(actor=other_admin, change=ChangeRequest.objects.get(pk=change.pk))
    assert {r.key for r in person.roles_in(store)} == {"store_manager"}
    wrong = client.post(url, {"action": "offboard", "offboard-confirm": "someone"})
    assert wrong.status_code == 400
    person.refresh_from_db()
    assert person.is_active
    client.post(url, {"action": "offboard", "offboard-confirm": "xiaoli"})
    person.refresh_from_db()
    assert not person.is_active and person.offboarded_at
    left = client.get(url).content.decode()
    assert 'value="training"' not in left and 'value="activate"' not in left


@pytest.mark.django_db
@pytest.mark.req("SEC-6", "SEC-2")
def test_only_account_managers_use_the_pages_and_only_for_their_store(
    client, login, manager, front_desk, admin_user, other_manager
):
    login(client, manager)
    before = (User.objects.count(), RoleAssignment.objects.filter(active=True).count())
    assert client.get("/accounts/people/").status_code == 403
    assert (
        client.post(
            "/accounts/people/new/", {"username": "x", "full_name": "x", "role": "system_admin"}
        ).status_code
        == 403
    )
    assert (
        client.post(
            f"/accounts/people/{front_desk.pk}/",
            {"action": "offboard", "offboard-confirm": "frontdesk"},
        ).status_code
        == 403
    )
    assert (User.objects.count(), RoleAssignment.objects.filter(active=True).count()) == before
    client.logout()
    login(client, admin_user)
    # an account of another store is not found, and nothing happens to it
    response = client.post(
        f"/accounts/people/{other_manager.pk}/",
        {"action": "offboard", "offboard-confirm": "other_manager"},
    )
    assert response.status_code == 404
    other_manager.refresh_from_db()
    assert other_manager.is_active


@pytest.mark.django_db
@pytest.mark.req("SEC-8")
def test_review_page_records_keep_and_revoke(
    client, login, admin_user, front_desk, practitioner, store
):
    login(client, admin_user)
    page = client.get("/accounts/review/").content.decode()
    assert "frontdesk" in page and "practitioner_a" in page
    desk = RoleAssignment.objects.get(user=front_desk)
    prac = RoleAssignment.objects.get(user=practitioner)
    client.post("/accounts/review/", {"assignment": desk.pk, "keep": "1", "note": "仍需要"})
    client.post("/accounts/review/", {"assignment": prac.pk, "keep": "0", "note": "已离岗"})
    assert RoleAssignment.objects.get(pk=desk.pk).active
    assert not RoleAssignment.objects.get(pk=prac.pk).active
    assert list(
        PermissionReview.objects.order_by("decided_at").values_list("kept", "reviewer")
    ) == [
        (True, admin_user.pk),
        (False, admin_user.pk),
    ]
    own = RoleAssignment.objects.get(user=admin_user)
    client.post("/accounts/review/", {"assignment": own.pk, "keep": "0"})
    assert RoleAssignment.objects.get(pk=own.pk).active
