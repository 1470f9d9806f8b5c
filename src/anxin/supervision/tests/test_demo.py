"""The demo (issue 14): complaints in every state, two whistle-blowing reports, one completed
and one running audit, a month of KPIs with rewards and one appeal."""

import io

import pytest
from django.core.management import call_command

from anxin.complaints.models import Complaint, State, WhistleReport
from anxin.supervision.models import AuditPlan, Finding, KpiRow, KpiRule, Sanction


@pytest.mark.django_db
@pytest.mark.req("AUD-4", "AUD-5", "AUD-6")
def test_the_demo_has_complaints_reports_audits_kpis_rewards_and_an_appeal():
    call_command("demo", scale="small", seed=3, stdout=io.StringIO())
    # Complaints in every state of the workflow, the draft and the dismissed draft included.
    assert set(Complaint.objects.values_list("state", flat=True)) == set(State.values)
    reports = list(WhistleReport.objects.all())
    assert len(reports) == 2
    assert sorted(r.named for r in reports) == [False, True]
    assert all(r.unsealed_at is None for r in reports)
    assert sorted(AuditPlan.objects.values_list("state", flat=True)) == ["completed", "running"]
    assert Finding.objects.filter(state="closed").count() == 1
    assert Finding.objects.filter(state="open").count() == 1
    assert KpiRow.objects.filter(user__isnull=False).exists()
    assert KpiRule.objects.filter(state="published").count() == 2
    rewards = Sanction.objects.filter(kind="reward")
    assert rewards.exclude(state="proposed").exists()
    assert Sanction.objects.filter(state="confirmed").exists()
    appealed = Sanction.objects.get(state="appealed")
    assert appealed.appeal
