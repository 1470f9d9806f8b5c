import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import DatabaseError, transaction

from anxin.core.models import Category
from anxin.core.services import category_create
from anxin.org.models import Post
from anxin.org.services import post_create


@pytest.fixture
def massage_dept(db):
    return category_create(actor=None, kind="department", number=1, name="按摩部")


@pytest.mark.django_db
@pytest.mark.req("COD-JG", "COD-3")
def test_manager_adds_posts_coded_by_department(client, login, manager, massage_dept):
    login(client, manager)
    response = client.post(
        "/org/posts/new/",
        {"department": massage_dept.pk, "name": "按摩部经理", "duties": "排班", "headcount": 1},
    )
    assert response.status_code == 302 and response["Location"] == "/org/posts/JG0101/"
    client.post(
        "/org/posts/new/", {"department": massage_dept.pk, "name": "按摩师", "headcount": 12}
    )
    assert list(Post.objects.values_list("code", "name")) == [
        ("JG0101", "按摩部经理"),
        ("JG0102", "按摩师"),
    ]
    post = Post.objects.get(code="JG0101")
    assert post.created_by == manager
    page = client.get("/org/posts/JG0101/").content.decode()
    assert "按摩部经理" in page and "排班" in page


@pytest.mark.django_db
@pytest.mark.req("COD-JG", "PLT-4")
@pytest.mark.parametrize(
    "data",
    [
        {"name": "", "headcount": 1},
        {"name": "按摩师", "headcount": -1},
        {"name": "按摩师", "headcount": "many"},
        {"name": "x" * 61, "headcount": 1},
    ],
)
def test_bad_post_input_changes_nothing_and_burns_no_code(
    client, login, manager, massage_dept, data
):
    login(client, manager)
    response = client.post("/org/posts/new/", {"department": massage_dept.pk, **data})
    assert response.status_code == 400
    assert not Post.objects.exists()
    post = post_create(actor=manager, department=massage_dept, name="按摩师")
    assert post.code == "JG0101"  # no serial was burnt by the refused attempts


@pytest.mark.django_db
@pytest.mark.req("SEC-2")
def test_front_desk_sees_but_cannot_change_the_organisation(
    client, login, front_desk, massage_dept
):
    post = post_create(actor=None, department=massage_dept, name="按摩师")
    login(client, front_desk)
    assert client.get("/org/posts/").status_code == 200
    assert client.get(f"/org/posts/{post.code}/").status_code == 200
    response = client.post("/org/posts/new/", {"department": massage_dept.pk, "name": "x"})
    assert response.status_code == 403
    response = client.post(f"/org/posts/{post.code}/edit/", {"name": "改名", "headcount": 3})
    assert response.status_code == 403
    post.refresh_from_db()
    assert (post.name, Post.objects.count()) == ("按摩师", 1)


@pytest.mark.django_db
@pytest.mark.req("COD-1", "COD-JG")
def test_a_code_is_immutable_once_given(massage_dept):
    post = post_create(actor=None, department=massage_dept, name="按摩师")
    post.code = "JG0199"
    with pytest.raises(ValidationError):
        post.save()
    # Even code that bypasses the model is refused by the database trigger.
    with pytest.raises(DatabaseError), transaction.atomic():
        Post.objects.filter(pk=post.pk).update(code="JG0199")
    assert Post.objects.get(pk=post.pk).code == "JG0101"
    # other fields still change normally
    Post.objects.filter(pk=post.pk).update(headcount=5)
    assert Post.objects.get(pk=post.pk).headcount == 5


@pytest.mark.django_db
@pytest.mark.req("COD-3")
def test_a_category_number_cannot_be_edited_through_the_form(
    client, login, admin_user, massage_dept
):
    login(client, admin_user)
    client.post("/categories/department/1/", {"name": "推拿部", "number": "9", "active": "on"})
    dept = Category.objects.get(pk=massage_dept.pk)
    assert (dept.number, dept.name) == (1, "推拿部")


@pytest.mark.django_db
@pytest.mark.req("UX-4", "SEC-1")
def test_setup_creates_the_first_store_and_administrator(monkeypatch, capsys):
    passwords = iter(["按摩 horse staple 42", "按摩 horse staple 42"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(passwords))
    call_command("setup", store_name="总店", store_code="hq01", username="boss", full_name="王老板")
    from anxin.accounts.models import User

    boss = User.objects.get(username="boss")
    assert boss.is_superuser and boss.has_store_perm("accounts.manage", boss.stores().get())
    assert boss.stores().get().short_code == "HQ01"
    assert Category.objects.filter(kind="department").exists()
    assert "boss" in capsys.readouterr().out
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("setup", store_name="x", store_code="y", username="z", full_name="z")


@pytest.mark.django_db
@pytest.mark.req("UX-4", "SEC-7", "PLT-4")
def test_setup_refuses_weak_passwords_and_creates_nothing(monkeypatch):
    from django.core.management.base import CommandError

    from anxin.accounts.models import Store, User

    passwords = iter(["short", "short", "12345678901234", "12345678901234", "a", "b"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(passwords))
    with pytest.raises(CommandError):
        call_command("setup", store_name="总店", store_code="HQ01", username="boss", full_name="王")
    assert not User.objects.exists() and not Store.objects.exists()
