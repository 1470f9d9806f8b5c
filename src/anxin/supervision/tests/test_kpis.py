"""AUD-6: monthly KPIs per person, department and store computed from the records; rules
written, versioned and published; rewards and penalties proposed, confirmed, appealed (only by
the person), decided and recorded in the staff file. AUD-7: training records feed the KPIs."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from anxin.accounts.models import Agreement, TrainingRecord
from anxin.audit.models import Alert, OperationLog, UseLog
from anxin.catalogue.testing import make_client, make_item
from anxin.clients.models import ServiceRecord
from anxin.core.testing import assert_constant_queries
from anxin.delivery.services import service_record
from anxin.supervision import kpis, services
from anxin.supervision.models import KpiRow, KpiRule, Sanction, SanctionState

pytestmark = [pytest.mark.django_db, pytest.mark.req("AUD-6")]
MONTH = timezone.localdate().replace(day=1)


@pytest.fixture
def work(store, manager, front_desk, practitioner, practitioner_b, files):
    """practitioner_a: two services (one entered late), a client entered with gaps, an alert;
    practitioner_b: one service on time, trained, both agreements signed."""
    item = make_item(actor=manager, store=store, name="足疗", price="100.00", duration=60)
    client = make_client(actor=front_desk, store=store, name="甲", phone="13800000001")
    now = timezone.now()
    first = service_record(
        actor=front_desk,
        store=store,
        client=client,
        item=item,
        practitioner=practitioner,
        served_at=now - dt.timedelta(hours=3),
    )
    service_record(
        actor=front_desk,
        store=store,
        client=client,
        item=item,
        practitioner=practitioner,
        served_at=now - dt.timedelta(hours=1),
    )
    service_record(actor=front_desk, store=store, client=client, item=item,
                   practitioner=practitioner_b, served_at=now - dt.timedelta(hours=5))  # fmt: skip
    # Entered two days after it was given (the month's first day at the latest).
    served = max(day_start_of_month(), now - dt.timedelta(days=2))
    ServiceRecord.objects.filter(pk=first.pk).update(served_at=served, created_by=practitioner)
    ServiceRecord.objects.filter(pk=first.pk).update(created_at=served + dt.timedelta(hours=30))
    ServiceRecord.objects.exclude(pk=first.pk).update(created_by=None)  # falls back to who served
    from anxin.clients.services import client_create

    gap = client_create(actor=front_desk, store=store, name="乙", phone="")  # no phone: an issue
    type(gap).objects.filter(pk=gap.pk).update(created_by=practitioner)  # as if they entered it
    Alert.objects.create(rule="off_hours", key="k1", user=practitioner, store=store,
                         window_start=now, occurred_at=now, raised_at=now)  # fmt: skip
    TrainingRecord.objects.create(user=practitioner_b, topic="security", course="c",
                                  date=timezone.localdate(), result="passed")  # fmt: skip
    for kind in ("confidentiality", "truthfulness"):
        Agreement.objects.create(user=practitioner_b, kind=kind, signed_on=MONTH, document="d")
    return item


def day_start_of_month():
    from anxin.core.dates import day_start

    return day_start(MONTH)


def test_kpis_are_computed_from_the_records(store, practitioner, practitioner_b, work):
    rows = {r.key: r for r in kpis.compute(store=store, month=MONTH)}
    mine = rows[f"u{practitioner.pk}"].figures
    assert (mine["entries"], mine["late_entries"], mine["timeliness"]) == (2, 1, 50.0)
    assert mine["quality_issues"] >= 1 and mine["alerts"] == 1
    assert (mine["training_missing"], mine["agreements_outstanding"]) == (1, 2)
    theirs = rows[f"u{practitioner_b.pk}"].figures
    assert (theirs["entries"], theirs["late_entries"], theirs["timeliness"]) == (1, 0, 100.0)
    assert (theirs["training_missing"], theirs["agreements_outstanding"]) == (0, 0)
    total = rows["store"].figures
    assert (total["entries"], total["late_entries"], total["timeliness"]) == (3, 1, 66.7)
    assert rows["d-"].figures["entries"] == 3  # nobody's post is in a department
    assert OperationLog.objects.filter(record_type="supervision.kpi", action="compute").exists()


def test_late_means_entered_more_than_the_set_hours_after_the_service(
    store, practitioner, work, settings
):
    """The database's own time arithmetic (Julian days on SQLite, intervals on PostgreSQL)
    draws the line where the setting says, to the second."""
    served = day_start_of_month() + dt.timedelta(hours=1)
    records = list(ServiceRecord.objects.filter(practitioner=practitioner).order_by("pk"))
    for record, after in zip(records, [dt.timedelta(hours=24, seconds=-1),
                                       dt.timedelta(hours=24, seconds=1)], strict=True):  # fmt: skip
        ServiceRecord.objects.filter(pk=record.pk).update(
            served_at=served, created_at=served + after, created_by=practitioner
        )
    assert kpis.figures(store=store, month=MONTH)[practitioner.pk]["late_entries"] == 1
    settings.ANXIN_KPI_ENTRY_HOURS = 1
    assert kpis.figures(store=store, month=MONTH)[practitioner.pk]["late_entries"] == 2


@pytest.mark.req("AUD-7")
def test_training_records_feed_the_kpis(store, practitioner, files):
    rows = {r.key: r for r in kpis.compute(store=store, month=MONTH)}
    assert rows[f"u{practitioner.pk}"].figures["training_missing"] == 1
    TrainingRecord.objects.create(user=practitioner, topic="security", course="c",
                                  date=timezone.localdate(), result="attended")  # fmt: skip
    rows = {r.key: r for r in kpis.compute(store=store, month=MONTH)}
    assert rows[f"u{practitioner.pk}"].figures["training_missing"] == 0


def test_department_rows_add_up_their_people(store, manager, hr, practitioner, files, work):
    from anxin.core.services import category_create
    from anxin.org.services import post_create

    dept = category_create(actor=manager, kind="department", name="技师部")
    post_create(actor=manager, department=dept, name="足疗技师")
    type(files[0]).objects.filter(pk=files[0].pk).update(post="足疗技师")
    rows = {r.key: r for r in kpis.compute(store=store, month=MONTH)}
    assert rows[f"d{dept.pk}"].figures["entries"] == 2 and rows["d-"].figures["entries"] == 1


def test_complaints_count_when_the_complaints_app_is_installed(store, practitioner, files):
    from django.apps import apps

    if not apps.is_installed("anxin.complaints"):
        pytest.skip("anxin.complaints is not installed on this branch")
    pytest.importorskip("anxin.complaints.models")
    from anxin.complaints.models import Complaint

    fields = {f.name for f in Complaint._meta.get_fields()}
    assert {"store", "practitioner", "received_at", "subject", "state"} <= fields
    rows = {r.key: r for r in kpis.compute(store=store, month=MONTH)}
    before = rows[f"u{practitioner.pk}"].figures["complaints"]
    assert (
        before
        == Complaint.objects.filter(
            store=store, practitioner=practitioner, received_at__gte=kpis.month_range(MONTH)[0]
        ).count()
    )


def test_computing_takes_the_same_queries_however_many_staff(store, hr, make_persona):
    from anxin.staff.tests.factories import staff_file

    made = []

    def grow(n):
        for _i in range(n):
            k = len(made)
            user = make_persona(f"p{k}", store, "practitioner")
            made.append(staff_file(actor=hr, store=store, user=user, name=f"员工{k}",
                                   phone=f"139000{k:05d}", id_number="",))  # fmt: skip

    assert_constant_queries(lambda: kpis.compute(store=store, month=MONTH), grow, rows=2)


def _rule(manager, store, **extra):
    data = dict(name="录入及时奖", kpi="timeliness", comparison="gte", threshold="90",
                kind="reward", amount="50")  # fmt: skip
    data.update(extra)
    return services.rule_write(actor=manager, store=store, **data)


def test_a_rule_on_an_unknown_kpi_is_refused(store, manager):
    with pytest.raises(ValidationError) as exc:
        _rule(manager, store, kpi="happiness")
    assert "happiness" in exc.value.message_dict["kpi"][0]
    assert not KpiRule.objects.exists()


def test_rules_are_versioned_and_published(store, manager):
    v1 = services.rule_publish(actor=manager, rule=_rule(manager, store))
    v2 = _rule(manager, store, threshold="95", based_on=v1)
    assert (v2.number, v2.version, v2.state) == (v1.number, 2, "draft")
    services.rule_publish(actor=manager, rule=v2)
    v1.refresh_from_db()
    assert v1.state == "retired" and v1.threshold == Decimal("90.00")  # kept as it was
    with pytest.raises(ValidationError):
        services.rule_publish(actor=manager, rule=v1)


def test_a_practitioner_cannot_write_rules_and_is_logged(store, practitioner):
    with pytest.raises(PermissionDenied):
        _rule(practitioner, store)
    assert not KpiRule.objects.exists()
    assert UseLog.objects.filter(user=practitioner, outcome="denied").exists()


@pytest.fixture
def confirmed(store, manager, practitioner, work):
    services.kpi_compute(actor=manager, store=store, month=MONTH)
    services.rule_publish(actor=manager, rule=_rule(manager, store, name="录入不及时扣款",
                          kpi="late_entries", comparison="gte", threshold="1", kind="penalty",
                          amount="20"))  # fmt: skip
    made = services.sanctions_propose(actor=manager, store=store, month=MONTH)
    assert [s.user_id for s in made] == [practitioner.pk]
    assert services.sanctions_propose(actor=manager, store=store, month=MONTH) == []
    return services.sanction_confirm(actor=manager, sanction=made[0])


def test_a_penalty_is_confirmed_appealed_and_decided(confirmed, manager, practitioner):
    assert confirmed.state == SanctionState.CONFIRMED
    appealed = services.sanction_appeal(actor=practitioner, sanction=confirmed, comment="系统故障")
    assert appealed.state == SanctionState.APPEALED
    decided = services.sanction_decide(actor=manager, sanction=appealed, uphold=False,
                                       decision="核实为系统故障，撤销")  # fmt: skip
    assert decided.state == SanctionState.WITHDRAWN
    actions = list(OperationLog.objects.filter(record_type="supervision.sanction",
                                               record_id=str(confirmed.pk))
                   .order_by("seq").values_list("action", flat=True))  # fmt: skip
    assert actions == ["confirm", "appeal", "decide"]


def test_an_appeal_by_someone_else_is_refused_and_logged(confirmed, practitioner_b, manager):
    for other in (practitioner_b, manager):
        with pytest.raises(PermissionDenied):
            services.sanction_appeal(actor=other, sanction=confirmed, comment="不服")
        assert UseLog.objects.filter(user=other, outcome="denied", action="appeal").exists()
    confirmed.refresh_from_db()
    assert confirmed.state == SanctionState.CONFIRMED and not confirmed.appeal


def test_nobody_confirms_their_own(store, manager, practitioner):
    rule = services.rule_publish(actor=manager, rule=_rule(manager, store))
    own = Sanction.objects.create(store=store, user=manager, month=MONTH, rule=rule,
                                  kind="reward", amount=1, value=1,
                                  proposed_at=timezone.now())  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.sanction_confirm(actor=manager, sanction=own)
    own.refresh_from_db()
    assert own.state == SanctionState.PROPOSED


def test_the_outcome_is_in_the_staff_file(client, login, confirmed, hr, files):
    login(client, hr)
    html = client.get(f"/staff/{files[0].pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Rewards and penalties" in html and "录入不及时扣款" in html
    html = client.get(f"/staff/{files[1].pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "录入不及时扣款" not in html


def test_own_kpi_page_shows_only_ones_own(client, login, confirmed, practitioner, practitioner_b):
    login(client, practitioner)
    page = client.get("/supervision/kpis/mine/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and page.context["row"].user == practitioner
    assert "Send the appeal" in page.content.decode()
    response = client.post(f"/supervision/sanctions/{confirmed.pk}/appeal/", {"comment": "有误"})
    assert response.status_code == 302
    confirmed.refresh_from_db()
    assert confirmed.state == SanctionState.APPEALED
    login(client, practitioner_b)
    page = client.get("/supervision/kpis/mine/")
    assert page.context["row"].user == practitioner_b and not page.context["sanctions"]
    assert client.get("/supervision/kpis/").status_code == 403
    assert client.post(f"/supervision/sanctions/{confirmed.pk}/appeal/",
                       {"comment": "x"}).status_code == 404  # fmt: skip
    assert UseLog.objects.filter(user=practitioner_b, outcome="denied").count() >= 2
    assert KpiRow.objects.filter(user=practitioner_b).count() == 1


def test_store_pages_for_the_manager(client, login, confirmed, manager, other_manager):
    login(client, manager)
    for path in ("/supervision/kpis/", "/supervision/rules/", "/supervision/sanctions/"):
        assert client.get(path).status_code == 200, path
    response = client.post("/supervision/rules/", {"name": "x", "kpi": "nope", "comparison": "gte",
                                                   "threshold": "1", "kind": "reward",
                                                   "amount": "1"}, HTTP_ACCEPT_LANGUAGE="en")  # fmt: skip
    assert response.status_code == 400 and "There is no KPI called" in response.content.decode()
    login(client, other_manager)
    assert client.post(f"/supervision/sanctions/{confirmed.pk}/confirm/").status_code == 404
