"""The client file (CLI-3), data quality (STO-1) and consumption analysis (ANA-1)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from anxin.approvals.services import change_approve, change_propose
from anxin.audit.models import OperationLog, UseLog
from anxin.clients import selectors, services
from anxin.clients.approval_kinds import HEALTH_FILE
from anxin.clients.models import Client, HealthFile, ServiceRecord
from anxin.crypto.testing import assert_not_in_database_bytes
from anxin.notifications.models import Notification

HEALTH = services.ConsentGiven(health=True, paper_location="A-1")


def serve(client, practitioner, days_ago, item="足疗", amount="98.00"):
    return ServiceRecord.objects.create(
        store=client.store,
        client=client,
        practitioner=practitioner,
        served_at=timezone.now() - dt.timedelta(days=days_ago),
        item_name=item,
        amount=Decimal(amount),
    )


@pytest.fixture
def served(front_desk, practitioner, store):
    c = services.client_create(
        actor=front_desk, store=store, name="李四", allergies="花粉过敏", consent=HEALTH
    )
    serve(c, practitioner, 1)
    return c


@pytest.mark.django_db(transaction=True)
@pytest.mark.req("CLI-3")
def test_a_practitioner_adds_health_information_and_the_front_desk_is_told(
    client, login, served, practitioner, front_desk, store
):
    login(client, practitioner)
    response = client.post(
        f"/clients/{served.code}/health/", {"field": "conditions", "text": "腰椎间盘突出，忌重压"}
    )
    assert response.status_code == 302
    file = HealthFile.objects.get(client=served)
    assert file.allergies == "花粉过敏"  # nothing is overwritten
    assert "腰椎间盘突出，忌重压" in file.conditions and practitioner.username in file.conditions
    entry = OperationLog.objects.get(action="health_add")
    assert "腰椎" not in str(entry.changes)
    note = Notification.objects.get(recipient=front_desk, kind="clients.health_added")
    assert served.code in note.subject and "腰椎" not in note.subject + note.body
    assert not Notification.objects.filter(recipient=practitioner).exists()
    assert_not_in_database_bytes("腰椎间盘突出，忌重压")


@pytest.mark.django_db
@pytest.mark.req("CLI-3")
def test_adding_is_refused_out_of_scope_or_without_health_consent_and_changes_nothing(
    client, login, served, practitioner_b, front_desk, manager, store
):
    login(client, practitioner_b)
    assert (
        client.post(
            f"/clients/{served.code}/health/", {"field": "allergies", "text": "x"}
        ).status_code
        == 404
    )
    client.logout()
    login(client, front_desk)  # no view_health
    assert (
        client.post(
            f"/clients/{served.code}/health/", {"field": "allergies", "text": "x"}
        ).status_code
        == 404
    )
    assert HealthFile.objects.get(client=served).allergies == "花粉过敏"
    bare = services.client_create(
        actor=front_desk, store=store, name="王五", consent=services.ConsentGiven()
    )
    with pytest.raises(Exception, match="closed"):
        services.health_add(actor=manager, store=store, code=bare.code, field="allergies", text="x")
    assert not HealthFile.objects.filter(client=bare).exists()


@pytest.mark.django_db
@pytest.mark.req("CLI-3", "SEC-5")
def test_corrections_go_through_approval_and_not_without_consent(
    served, front_desk, manager, store
):
    file = served.health
    change = change_propose(
        actor=front_desk, store=store, kind=HEALTH_FILE, target=file,
        payload={"allergies": ""}, reason="误录",
    )  # fmt: skip
    Client.objects.filter(pk=served.pk).update(health_consent=False)
    with pytest.raises(Exception, match="closed"):
        change_approve(actor=manager, change=change)
    assert HealthFile.objects.get(pk=file.pk).allergies == "花粉过敏"


@pytest.mark.django_db
@pytest.mark.req("CLI-3", "PRV-2")
def test_the_file_shows_consents_and_who_looked_and_why(client, login, served, manager, store):
    login(client, manager)
    body = client.get(f"/clients/{served.code}/").content.decode()
    assert "Consents" in body and "2024-1" in body
    assert "Who looked at this file" in body
    client.post(
        f"/clients/{served.code}/reveal/",
        {"field": "phone", "purpose": "other", "detail": "核对预约"},
    )
    body = client.get(f"/clients/{served.code}/").content.decode()
    assert "核对预约" in body and manager.username in body


@pytest.mark.django_db
@pytest.mark.req("CLI-3")
def test_a_practitioner_does_not_see_the_access_list_or_consents(
    client, login, served, practitioner
):
    login(client, practitioner)
    body = client.get(f"/clients/{served.code}/").content.decode()
    assert "花粉过敏" in body and "Who looked at this file" not in body and "2024-1" not in body


@pytest.mark.django_db
@pytest.mark.req("ANA-1")
def test_analysis_frequency_spending_favourites_recency_churn(
    served, practitioner, manager, front_desk, store
):
    for days, item, amount in [
        (40, "推拿", "168.00"),
        (70, "推拿", "168.00"),
        (100, "足疗", "98.00"),
    ]:
        serve(served, practitioner, days, item, amount)
    result = selectors.client_analysis(served.services.all(), with_spending=True)
    assert result["visits"] == 4
    assert result["total"] == Decimal("532.00") and result["average"] == Decimal("133.00")
    assert result["favourites"][0] == ("推拿", 2)
    assert result["days_since"] in (0, 1) and not result["churn_risk"]
    assert result["per_month"] > 0
    later = timezone.localdate() + dt.timedelta(days=200)
    assert selectors.client_analysis(served.services.all(), with_spending=False, today=later)[
        "churn_risk"
    ]
    hidden = selectors.client_analysis(served.services.all(), with_spending=False)
    assert "total" not in hidden and "average" not in hidden


@pytest.mark.django_db
@pytest.mark.req("ANA-1")
def test_spending_is_shown_only_with_view_spending(client, login, served, manager, practitioner):
    login(client, manager)
    assert "Total spending" in client.get(f"/clients/{served.code}/").content.decode()
    client.logout()
    login(client, practitioner)
    body = client.get(f"/clients/{served.code}/").content.decode()
    assert "Visits and spending" in body and "Total spending" not in body and "98.00" not in body


@pytest.mark.django_db
@pytest.mark.req("STO-1")
def test_data_quality_lists_missing_invalid_duplicates_and_stale(
    client, login, front_desk, manager, practitioner, store
):
    ok = services.client_create(
        actor=front_desk, store=store, name="甲", gender="F", birth_date=dt.date(1990, 3, 7),
        phone="13812345678", id_number="110101199003071233", consent=HEALTH,
    )  # fmt: skip
    serve(ok, practitioner, 1)
    bare = services.client_create(actor=front_desk, store=store, name="乙")  # no consent
    # legacy values that bypassed the form
    bad = services.client_create(
        actor=front_desk, store=store, name="丙", gender="M", birth_date=dt.date(1980, 1, 1),
        phone="12345", id_number="110101199003071234", consent=HEALTH,
    )  # fmt: skip
    twin = services.client_create(
        actor=front_desk, store=store, name="甲", gender="F", birth_date=dt.date(1990, 3, 7),
        phone="13912345678", consent=HEALTH,
    )  # fmt: skip
    Client.objects.filter(pk__in=[bare.pk, bad.pk]).update(
        created_at=timezone.now() - dt.timedelta(days=400)
    )
    login(client, manager)
    response = client.get("/clients/quality/", {"months": 6})
    assert response.status_code == 200
    report = response.context["report"]
    assert bare.code in {c.code for c, _w in report["missing"]}
    assert ok.code not in {c.code for c, _w in report["missing"]}
    invalid = [c.code for c, _f, _m in report["invalid"]]
    assert invalid.count(bad.code) == 2  # the phone and the ID number
    assert ok.code not in invalid
    groups = [{c.code for c in g} for _r, g in report["duplicates"]]
    assert {ok.code, twin.code} in groups
    stale = {c.code for c in report["stale"]}
    assert bare.code in stale and bad.code in stale and ok.code not in stale
    assert UseLog.objects.filter(user=manager, action="data_quality").exists()
    assert client.get("/clients/quality/", {"months": "abc"}).status_code == 400


@pytest.mark.django_db
@pytest.mark.req("STO-1")
def test_data_quality_is_not_for_practitioners_or_finance(client, login, practitioner, finance):
    for person in (practitioner, finance):
        login(client, person)
        assert client.get("/clients/quality/").status_code == 403
        client.logout()


@pytest.mark.django_db
@pytest.mark.req("CLI-3", "PRV-2")
def test_the_access_list_shows_the_latest_reads_once_and_not_in_the_title(
    client, login, served, manager
):
    login(client, manager)
    for n in range(selectors.ACCESS_LIMIT + 2):
        client.post(
            f"/clients/{served.code}/reveal/",
            {"field": "phone", "purpose": "other", "detail": f"核对{n:02d}"},
        )
    body = client.get(f"/clients/{served.code}/").content.decode()
    title = body[body.index("<title>") : body.index("</title>")]
    assert "<section" not in title and served.code in title
    assert body.count("Who looked at this file") == 1
    latest = selectors.ACCESS_LIMIT + 1
    assert f"核对{latest:02d}" in body and "核对00" not in body
    assert body.count(f'href="/clients/{served.code}/consent/"') >= 1
