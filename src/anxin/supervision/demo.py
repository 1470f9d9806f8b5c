"""Demo supervision: one completed and one running internal audit, last month's KPIs with
published rules, confirmed rewards and penalties, and one appeal (issue 14)."""

from __future__ import annotations

import datetime as dt
import time

from django.utils import timezone

from anxin.accounts.models import User

from . import services
from .models import SanctionState


def _user(username):
    return User.objects.filter(username=username).first()


def demo_supervision(*, rnd, store, scale: str) -> dict:
    started = time.perf_counter()
    auditor, manager = _user("auditor"), _user("manager")
    owner = _user("infosec") or manager
    if auditor is None or manager is None:
        return {}
    today = timezone.localdate()
    this_quarter = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
    last_end = this_quarter - dt.timedelta(days=1)
    last_start = last_end.replace(month=(last_end.month - 1) // 3 * 3 + 1, day=1)
    all_checks = [
        "reveals_without_purpose", "departed_staff_access", "backups_drilled",
        "training_completed", "grants_reviewed", "use_log_gaps",
    ]  # fmt: skip
    done = services.audit_plan_create(
        actor=auditor, store=store, title=f"{last_start:%Y}年第{(last_start.month + 2) // 3}季度信息安全内审",
        scope="客户信息的查看与揭示、离职人员权限、备份演练、培训与共享授权", period_start=last_start,
        period_end=last_end, auditor=auditor, checks=all_checks,
    )  # fmt: skip
    services.audit_run_checks(actor=auditor, plan=done)
    finding = services.finding_create(
        actor=auditor, plan=done, title="部分员工未完成年度信息安全培训", severity="medium",
        owner=owner, deadline=today + dt.timedelta(days=7),
        description="培训检查项列出的员工须在期限内完成培训并登记。",
        item=done.items.filter(check_key="training_completed").first(),
    )  # fmt: skip
    services.finding_rectify(actor=owner, finding=finding, rectification="已组织补训并登记培训记录",
                             evidence="培训签到表 2026-培训-03；员工档案培训记录")  # fmt: skip
    services.finding_verify(actor=auditor, finding=finding, verification="抽查五份档案，均已登记",
                            accepted=True)  # fmt: skip
    services.finding_close(actor=auditor, finding=finding)
    services.audit_complete(actor=auditor, plan=done,
                            conclusion="总体符合制度要求；培训问题已整改并验证关闭。")  # fmt: skip
    running = services.audit_plan_create(
        actor=auditor, store=store, title=f"{today:%Y}年{today.month}月专项检查：揭示与离职权限",
        scope="本月揭示操作的目的说明；离职人员账号", period_start=today.replace(day=1),
        period_end=today, auditor=auditor,
        checks=["reveals_without_purpose", "departed_staff_access", "use_log_gaps"],
    )  # fmt: skip
    services.audit_run_checks(actor=auditor, plan=running)
    services.finding_create(
        actor=auditor, plan=running, title="复核离职人员账号停用流程", severity="high", owner=owner,
        deadline=today + dt.timedelta(days=14),
    )  # fmt: skip

    month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    services.kpi_compute(actor=manager, store=store, month=month)
    for data in (
        dict(name="录入及时奖", kpi="timeliness", comparison="gte", threshold="95", kind="reward",
             amount="100", text="当月服务记录在服务后24小时内录入的比例不低于95%，奖励100元。"),
        dict(name="未完成安全培训", kpi="training_missing", comparison="gte", threshold="1",
             kind="penalty", amount="50", text="十二个月内未参加信息安全培训的，扣50元并限期补训。"),
    ):  # fmt: skip
        rule = services.rule_write(actor=manager, store=store, **data)
        services.rule_publish(actor=manager, rule=rule)
    proposed = services.sanctions_propose(actor=manager, store=store, month=month)
    confirmed = [
        services.sanction_confirm(actor=manager, sanction=s)
        for s in proposed
        if s.user_id != manager.pk
    ]
    appeal = None
    practitioner = _user("practitioner")
    for s in sorted(confirmed, key=lambda s: s.user_id != getattr(practitioner, "pk", None)):
        if s.kind == "penalty" and s.state == SanctionState.CONFIRMED:
            appeal = services.sanction_appeal(
                actor=s.user, sanction=s, comment="我已在上月参加总部组织的培训，记录未登记。"
            )
            break
    return {
        "audits": 2,
        "sanctions": len(proposed),
        "appeals": int(appeal is not None),
        "supervision_seconds": round(time.perf_counter() - started, 2),
    }
