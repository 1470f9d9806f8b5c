"""The audit evidence queries and the KPI computation read index ranges, never a whole big table
(AUD-4, AUD-6): the plans SQLite chooses, checked like the other scale tests."""

import datetime as dt

import pytest
from django.utils import timezone

from anxin.audit.services import use_log
from anxin.core.testing import assert_no_full_scans, captured
from anxin.supervision import kpis
from anxin.supervision.checks import REGISTRY

pytestmark = [pytest.mark.sqlite_only, pytest.mark.django_db]


@pytest.mark.req("AUD-4")
@pytest.mark.parametrize(
    "key", ["reveals_without_purpose", "departed_staff_access", "use_log_gaps"]
)
def test_evidence_queries_use_indexes(plan, store, practitioner, files, key):
    for i in range(5):
        use_log(actor=practitioner, action="reveal", record_type="clients.client",
                record_id=str(i), store=store)  # fmt: skip
    _result, sql = captured(lambda: REGISTRY[key].run(plan))
    assert sql
    assert_no_full_scans(sql)


@pytest.mark.req("AUD-6")
def test_kpi_computation_uses_indexes(store, files):
    month = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    _result, sql = captured(lambda: kpis.figures(store=store, month=month))
    assert_no_full_scans(sql)
