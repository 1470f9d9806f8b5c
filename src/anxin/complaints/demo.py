"""Demo complaints and whistle-blowing reports.

Through the real services (steps, logs, approvals): a complaint in every state of the
workflow, a draft opened by a low score, a dismissed draft, compensation under and above the
limit, and two whistle-blowing reports (one named and sealed, one anonymous). Older, closed
complaints for the analysis are written in bulk (history, not work done in the application):
a few hundred rows at store scale, in well under a second.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from anxin.accounts.models import User

from . import services, whistle
from .models import (
    Channel,
    ComplainantKind,
    Complaint,
    ComplaintStep,
    Severity,
    State,
    Subject,
)

HISTORY = {"small": 40, "store": 400, "chain": 40}
TEXTS = {
    Subject.SERVICE: ["等候时间太长", "房间太冷", "毛巾不干净", "预约时间被推迟"],
    Subject.PRACTITIONER: ["力度太大，按完很疼", "技师服务中接电话", "手法不专业"],
    Subject.INFORMATION: ["收到陌生推销短信，怀疑信息被泄露", "前台大声念出我的手机号"],
    Subject.OTHER: ["门口台阶太滑", "停车不方便"],
}


def _user(username):
    return User.objects.filter(username=username).first()


def demo_complaints(*, rnd, store, scale: str) -> dict:
    from anxin.clients.models import ServiceRecord
    from anxin.delivery.models import Feedback
    from anxin.delivery.services import practitioners_of

    desk, manager, officer = _user("frontdesk"), _user("manager"), _user("infosec")
    if desk is None or manager is None:
        return {}
    people = list(practitioners_of(store)[:20])
    recent = list(
        ServiceRecord.objects.filter(store=store, served_at__lte=timezone.now())
        .select_related("client")
        .order_by("-served_at")[:30]
    )
    made = []

    def take(subject, state_notes, **extra):
        service = rnd.choice(recent) if recent else None
        kwargs = {
            "actor": desk,
            "store": store,
            "channel": rnd.choice([Channel.FRONT_DESK, Channel.PHONE]),
            "complainant_kind": ComplainantKind.CLIENT if service else ComplainantKind.ANONYMOUS,
            "client": service.client if service else None,
            "subject": subject,
            "description": rnd.choice(TEXTS[subject]),
            "owner": manager,
            "due_on": timezone.localdate() + dt.timedelta(days=7),
        }
        if subject == Subject.PRACTITIONER:
            kwargs["practitioner"] = service.practitioner if service else rnd.choice(people)
        kwargs.update(extra)
        c = services.complaint_take(**kwargs)
        handler = officer if subject == Subject.INFORMATION and officer else manager
        for to_state, note in state_notes:
            c = services.complaint_advance(
                actor=handler, store=store, complaint=c, to_state=to_state, note=note
            )
        made.append(c)
        return c

    take(Subject.SERVICE, [])
    take(Subject.PRACTITIONER, [("investigating", "调取服务记录，与技师面谈")])
    comp_case = take(
        Subject.SERVICE,
        [("investigating", "核实等候时间"), ("rectification", "高峰时段增加前台人手")],
    )
    services.compensation_offer(
        actor=manager, store=store, complaint=comp_case, amount="50.00", form="voucher"
    )
    big = take(
        Subject.INFORMATION,
        [
            ("investigating", "查看使用日志，核对谁读过该客户的电话"),
            ("rectification", "前台叫号改为只叫编号"),
            ("feedback", "已电话告知客户调查结果并致歉"),
        ],
    )
    services.compensation_offer(
        actor=officer or manager, store=store, complaint=big, amount="300.00", form="refund",
        note="退还当次服务费",
    )  # fmt: skip
    take(
        Subject.OTHER,
        [
            ("investigating", "现场查看"),
            ("rectification", "台阶加装防滑条"),
            ("feedback", "已回电告知客户"),
            ("closed", "客户满意"),
        ],
    )
    # Drafts from low scores: one waiting for the manager, one dismissed.
    low = list(
        Feedback.objects.filter(service__store=store, score__lte=2)
        .select_related("service")
        .order_by("-service__served_at")[:2]
    )
    drafts = [services.complaint_from_feedback(actor=desk, store=store, feedback=f) for f in low]
    drafts = [d for d in drafts if d is not None]
    if len(drafts) == 2:
        services.complaint_dismiss(
            actor=manager, store=store, complaint=drafts[1], note="回访后客户表示是误评"
        )
    _history(rnd=rnd, store=store, scale=scale, people=people, desk=desk, manager=manager)
    reports = _reports(store=store)
    return {"complaints": made, "drafts": drafts, "reports": reports}


def _history(*, rnd, store, scale, people, desk, manager) -> None:
    from anxin.clients.models import ServiceRecord

    n = HISTORY[scale]
    now = timezone.now()
    pool = list(
        ServiceRecord.objects.filter(store=store, served_at__lt=now - dt.timedelta(days=30))
        .order_by("-served_at")
        .values("pk", "client_id", "practitioner_id", "served_at")[: n * 20]
    )
    if not pool:
        return
    rows = []
    for _n in range(n):
        service = rnd.choice(pool)
        subject = rnd.choice([*Subject.values, Subject.SERVICE, Subject.PRACTITIONER])
        received = service["served_at"] + dt.timedelta(hours=rnd.randrange(1, 48))
        rows.append(
            Complaint(
                store=store,
                reference=services.new_reference("TS"),
                channel=rnd.choice(Channel.values),
                complainant_kind=ComplainantKind.CLIENT,
                client_id=service["client_id"],
                subject=subject,
                practitioner_id=(
                    service["practitioner_id"] if subject == Subject.PRACTITIONER else None
                ),
                service_id=service["pk"],
                description=rnd.choice(TEXTS[subject]),
                severity=rnd.choice(Severity.values),
                owner=manager,
                state=State.CLOSED,
                received_at=received,
                closed_at=received + dt.timedelta(days=rnd.randrange(1, 10)),
                created_by=desk,
                updated_by=desk,
            )
        )
    Complaint.objects.bulk_create(rows, batch_size=1000)
    steps = []
    for c in rows:
        steps.append(
            ComplaintStep(
                complaint=c, action="receive", state_after=State.RECEIVED, by=desk,
                at=c.received_at, note="",
            )
        )  # fmt: skip
        steps.append(
            ComplaintStep(
                complaint=c, action="close", state_after=State.CLOSED, by=manager,
                at=c.closed_at, note="已处理并回访",
            )
        )  # fmt: skip
    ComplaintStep.objects.bulk_create(steps, batch_size=2000)


def _reports(*, store) -> list:
    from anxin.delivery.services import practitioners_of

    desk, marketing = _user("frontdesk"), _user("marketing")
    someone = practitioners_of(store).first()
    reports = []
    if desk is not None:
        reports.append(
            whistle.report_file(
                actor=desk,
                store=store,
                description="下班后看到一位同事用手机拍摄前台电脑上的客户名单。",
                named=True,
                reported_person=someone,
                occurred_on=timezone.localdate() - dt.timedelta(days=3),
            )[0]
        )
    if marketing is not None:
        reports.append(
            whistle.report_file(
                actor=marketing,
                store=store,
                description="有人把客户手机号导出到个人U盘，带出店外。",
                named=False,
            )[0]
        )
    return reports
