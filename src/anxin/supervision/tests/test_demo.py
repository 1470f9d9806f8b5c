"""The demo gains one completed and one running audit, a month of KPIs with rewards and one
appeal (issue 14)."""

import io

import pytest
from django.core.management import call_command

from anxin.supervision.models import AuditPlan, Finding, KpiRow, KpiRule, Sanction


@pytest.mark.django_db
@pytest.mark.req("AUD-4", "AUD-6")
def test_the_demo_has_audits_kpis_rewards_and_an_appeal():
    call_command("demo", scale="small", seed=3, stdout=io.StringIO())
    assert sorted(AuditPlan.objects.values_list("state", flat=True)) == ["completed", "running"]
    assert Finding.objects.filter(state="closed").count() == 1
    assert Finding.objects.filter(state="open").count() == 1
    assert KpiRow.objects.filter(user__isnull=False).exists()
    assert KpiRule.objects.filter(state="published").count() == 2
    assert Sanction.objects.filter(state="confirmed").exists()
    assert Sanction.objects.filter(state="appealed").count() == 1
