import datetime as dt

import pytest
from django.utils import timezone

from anxin.staff.tests.factories import hr_persona, staff_file


@pytest.fixture
def hr(store):
    return hr_persona(store)


@pytest.fixture
def files(store, hr, practitioner, practitioner_b):
    """Staff files for both practitioners, hired long ago."""
    a = staff_file(actor=hr, store=store, user=practitioner, name="王芳")
    b = staff_file(actor=hr, store=store, user=practitioner_b, name="李静",
                   phone="13912345679", id_number="110101199003071250")  # fmt: skip
    return a, b


@pytest.fixture
def plan(store, auditor):
    from anxin.supervision.services import audit_plan_create

    today = timezone.localdate()
    return audit_plan_create(
        actor=auditor,
        store=store,
        title="2026 Q4 信息安全审计",
        scope="使用日志、离职人员权限、备份演练",
        period_start=today - dt.timedelta(days=10),
        period_end=today,
        auditor=auditor,
        checks=["reveals_without_purpose", "departed_staff_access", "use_log_gaps"],
    )
