"""Issue 11: an audit's page and its report take the same queries however many findings (each
with its owner and checklist item) and checklist items the audit holds, and however many people
the store has to choose from (88–92 queries at a store's scale before)."""

import datetime as dt

import pytest
from django.utils import timezone

from anxin.core.testing import assert_constant_queries
from anxin.supervision import services
from anxin.supervision.checks import REGISTRY

pytestmark = [pytest.mark.django_db, pytest.mark.req("AUD-4")]


@pytest.mark.parametrize("page", ["", "report/"])
def test_an_audits_pages_take_the_same_queries_however_many_findings(
    client, login, plan, auditor, manager, store, make_persona, page
):
    services.audit_run_checks(actor=auditor, plan=plan)
    login(client, auditor)
    path = f"/supervision/audits/{plan.pk}/{page}"
    made = []

    def grow(n):
        items = list(plan.items.all())
        for _ in range(n):
            owner = make_persona(f"owner{len(made):03d}", store, "store_manager")
            finding = services.finding_create(
                actor=auditor, plan=plan, title=f"发现{len(made)}", severity="low", owner=owner,
                deadline=timezone.localdate() + dt.timedelta(days=3),
                item=items[len(made) % len(items)],
            )  # fmt: skip
            made.append(finding)
            unused = [k for k in REGISTRY if not plan.items.filter(check_key=k).exists()]
            if unused:  # six checks in all
                services.audit_item_add(actor=auditor, plan=plan, check_key=unused[0])
        services.audit_run_checks(actor=auditor, plan=plan)  # each item's evidence

    assert client.get(path).status_code == 200
    assert_constant_queries(lambda: client.get(path), grow, rows=2)
    assert "发现5" in client.get(path).content.decode()
