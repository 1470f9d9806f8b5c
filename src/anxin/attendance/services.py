"""Writes to attendance (STF-4): atomic, validated, in the operation log (AUD-1).

Bad input (clocking in twice, clocking out without clocking in, leave ending before it starts
or overlapping other leave or bookings, an unknown person) raises ``ValidationError`` with a
translated message, and nothing is written.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anxin.accounts.policy import scope_for
from anxin.audit.services import diff, operation_log, use_log
from anxin.core.spreadsheets import XlsxWriter
from anxin.staff.models import StaffMember

from . import hooks
from .models import (
    CalendarRule,
    ClockRecord,
    LeaveKind,
    LeaveRequest,
    LeaveState,
    OvertimeRecord,
    WorkPattern,
)
from .selectors import RECORD, deny, leave_overlapping, member_get, require, summarise


def _when(value: dt.datetime) -> str:
    return date_format(timezone.localtime(value), "Y-m-d H:i")


def _member_for(*, actor, store, member, action, request) -> StaffMember:
    """The person acted on: the actor's own file when ``member`` is None; else one in scope."""
    if member is None:
        own = StaffMember.objects.filter(store=store, user=actor).first()
        if own is None:
            raise ValidationError(_("You have no staff file in this store; ask HR."))
        member = own.pk
    return member_get(
        actor=actor, store=store, pk=getattr(member, "pk", member), action=action, request=request
    )


def _active(member: StaffMember, day: dt.date) -> None:
    if member.left_on is not None and day > member.left_on:
        raise ValidationError(_("%(name)s has left.") % {"name": member.name})


# -- clocking in and out ------------------------------------------------------------------


def clock_in(*, actor, store, member=None, request=None) -> ClockRecord:
    """Clock in now. Refused when already clocked in (the database refuses it too)."""
    member = _member_for(actor=actor, store=store, member=member, action="create", request=request)
    now = timezone.now()
    _active(member, timezone.localdate(now))
    try:
        with transaction.atomic():
            StaffMember.objects.select_for_update().filter(pk=member.pk).first()
            current = ClockRecord.objects.filter(member=member, clock_out__isnull=True).first()
            if current is not None:
                raise ValidationError(
                    _("You clocked in at %(time)s already; clock out first.")
                    % {"time": _when(current.clock_in)},
                    code="clocked_in",
                )
            record = ClockRecord.objects.create(
                member=member, store=store, clock_in=now, recorded_by=actor
            )
            operation_log(
                actor=actor,
                action="clock_in",
                instance=record,
                changes=diff({}, {"member": member.pk, "clock_in": now}),
                request=request,
                store=store,
            )
    except IntegrityError:
        raise ValidationError(_("You are clocked in already; clock out first.")) from None
    return record


def clock_out(*, actor, store, member=None, request=None) -> ClockRecord:
    """Clock out now. Refused when not clocked in."""
    member = _member_for(actor=actor, store=store, member=member, action="create", request=request)
    with transaction.atomic():
        record = (
            ClockRecord.objects.select_for_update()
            .filter(member=member, clock_out__isnull=True)
            .first()
        )
        if record is None:
            raise ValidationError(
                _("You are not clocked in, so you cannot clock out. Clock in first."),
                code="not_clocked_in",
            )
        now = timezone.now()
        if now <= record.clock_in:
            raise ValidationError(_("The clock-out time must be after the clock-in time."))
        record.clock_out = now
        record.save(update_fields=["clock_out"])
        operation_log(
            actor=actor,
            action="clock_out",
            instance=record,
            changes=diff({"clock_out": None}, {"clock_out": now}),
            request=request,
            store=store,
        )
    return record


def clock_record(
    *, actor, store, member, clock_in, clock_out=None, note: str = "", request=None
) -> ClockRecord:
    """The attendance clerk enters or corrects a stretch of work (forgotten clock, no account)."""
    require(actor=actor, store=store, action="change", request=request)
    member = member_get(
        actor=actor, store=store, pk=getattr(member, "pk", member), action="change", request=request
    )
    if clock_in is None:
        raise ValidationError({"clock_in": _("Enter the clock-in time.")})
    if clock_out is not None and clock_out <= clock_in:
        raise ValidationError(
            {"clock_out": _("The clock-out time must be after the clock-in time.")}
        )
    if clock_in > timezone.now() or (clock_out is not None and clock_out > timezone.now()):
        raise ValidationError(_("Times in the future cannot be recorded."))
    if not (note or "").strip():
        raise ValidationError({"note": _("Say why the time is entered by hand.")})
    with transaction.atomic():
        StaffMember.objects.select_for_update().filter(pk=member.pk).first()
        others = ClockRecord.objects.filter(member=member)
        end = clock_out or timezone.now()
        clash = (
            others.filter(clock_in__lt=end)
            .exclude(clock_out__isnull=False, clock_out__lte=clock_in)
            .first()
        )
        if clash is not None:
            raise ValidationError(
                _("This overlaps the time recorded from %(time)s.")
                % {"time": _when(clash.clock_in)}
            )
        record = ClockRecord(
            member=member,
            store=store,
            clock_in=clock_in,
            clock_out=clock_out,
            corrected=True,
            note=note.strip(),
            recorded_by=actor,
        )
        record.full_clean()
        record.save()
        operation_log(
            actor=actor,
            action="create",
            instance=record,
            changes=diff({}, {"member": member.pk, "clock_in": clock_in, "clock_out": clock_out}),
            reason=record.note,
            request=request,
            store=store,
        )
    return record


# -- working hours ------------------------------------------------------------------------


def _clean_week(week: dict) -> dict:
    clean = {}
    for key, hours in (week or {}).items():
        if str(key) not in {str(d) for d in range(7)}:
            raise ValidationError(_("Unknown weekday."))
        if not hours:
            continue
        try:
            start, end = (dt.time.fromisoformat(str(h)) for h in hours)
        except (TypeError, ValueError):
            raise ValidationError(_("Enter times as HH:MM.")) from None
        if end <= start:
            raise ValidationError(
                _("On each day the end of work must be after its start."), code="order"
            )
        clean[str(key)] = [start.strftime("%H:%M"), end.strftime("%H:%M")]
    return clean


def pattern_set(*, actor, store, member, calendar: str, week: dict, request=None) -> WorkPattern:
    """Set a person's weekly working hours and calendar rule."""
    member = member_get(
        actor=actor, store=store, pk=getattr(member, "pk", member), action="change", request=request
    )
    if calendar not in CalendarRule.values:
        raise ValidationError({"calendar": _("Choose a calendar.")})
    week = _clean_week(week)
    with transaction.atomic():
        pattern = WorkPattern.objects.select_for_update().filter(member=member).first()
        before = {"calendar": pattern.calendar, "week": pattern.week} if pattern else {}
        if pattern is None:
            pattern = WorkPattern(member=member, created_by=actor)
        pattern.calendar, pattern.week, pattern.updated_by = calendar, week, actor
        pattern.full_clean()
        pattern.save()
        operation_log(
            actor=actor,
            action="update" if before else "create",
            instance=pattern,
            changes=diff(before, {"calendar": calendar, "week": week}),
            request=request,
            store=store,
        )
    return pattern


# -- leave --------------------------------------------------------------------------------


def _approvers(store):
    """Active accounts that may decide leave in this store."""
    from anxin.accounts.models import RoleAssignment
    from anxin.accounts.policy import best_scope

    # One query for everyone's roles here (not one per person: a store has dozens).
    perms, users = {}, {}
    for assignment in RoleAssignment.objects.filter(
        store=store, active=True, user__is_active=True
    ).select_related("user", "role"):
        users[assignment.user_id] = assignment.user
        perms.setdefault(assignment.user_id, set()).update(assignment.role.permissions)
    return [
        users[pk] for pk in sorted(users) if best_scope(perms[pk], RECORD, "approve") is not None
    ]


def _check_leave(*, member, start, end, exclude=None) -> None:
    if start is None or end is None:
        raise ValidationError(_("Enter when the leave starts and ends."))
    if end <= start:
        raise ValidationError({"end": _("The leave must end after it starts.")}, code="order")
    other = leave_overlapping(member=member, start=start, end=end, exclude=exclude).first()
    if other is not None:
        raise ValidationError(
            _("This overlaps other leave (%(kind)s, %(start)s – %(end)s, %(state)s).")
            % {
                "kind": other.get_kind_display(),
                "start": _when(other.start),
                "end": _when(other.end),
                "state": other.get_state_display(),
            },
            code="overlap",
        )
    booked = hooks.bookings_during(member=member, start=start, end=end)
    if booked:
        raise ValidationError(
            _("This leave overlaps existing bookings; move them first: %(bookings)s")
            % {"bookings": "; ".join(booked)},
            code="bookings",
        )


def leave_request(
    *, actor, store, kind: str, start, end, reason: str = "", member=None, approver=None,
    request=None,
) -> LeaveRequest:  # fmt: skip
    """Ask for leave (one's own, or for someone else by the attendance clerk)."""
    member = _member_for(actor=actor, store=store, member=member, action="create", request=request)
    if kind not in LeaveKind.values:
        raise ValidationError({"kind": _("Choose the kind of leave.")})
    if approver is not None and approver not in _approvers(store):
        raise ValidationError({"approver": _("This person cannot approve leave here.")})
    if approver is not None and approver.pk == member.user_id:
        raise ValidationError({"approver": _("Nobody approves their own leave.")})
    with transaction.atomic():
        StaffMember.objects.select_for_update().filter(pk=member.pk).first()
        _check_leave(member=member, start=start, end=end)
        leave = LeaveRequest(
            member=member,
            store=store,
            kind=kind,
            start=start,
            end=end,
            reason=(reason or "").strip(),
            approver=approver,
            created_by=actor,
            updated_by=actor,
        )
        leave.full_clean()
        leave.save()
        operation_log(
            actor=actor,
            action="create",
            instance=leave,
            changes=diff(
                {},
                {
                    "member": member.pk,
                    "kind": kind,
                    "start": start,
                    "end": end,
                    "approver": approver.pk if approver else None,
                },
            ),
            reason=leave.reason,
            request=request,
            store=store,
        )
        transaction.on_commit(lambda: _tell_approvers(leave), robust=True)
    return leave


def _tell_approvers(leave: LeaveRequest) -> None:
    from django.urls import reverse

    from anxin.notifications.services import notify

    recipients = [leave.approver] if leave.approver else _approvers(leave.store)
    recipients = [u for u in recipients if u.pk != leave.member.user_id]
    if recipients:
        notify(
            recipients=recipients,
            subject=_("Leave request from %(name)s") % {"name": leave.member.name},
            body=f"{leave.get_kind_display()} {_when(leave.start)} – {_when(leave.end)}",
            url=reverse("attendance:leave_detail", args=[leave.pk]),
            kind="attendance.leave",
            store=leave.store,
        )


def leave_decide(*, actor, store, pk, approve: bool, note: str = "", request=None) -> LeaveRequest:
    """A manager approves or rejects a pending request; never their own."""
    if scope_for(actor, store, RECORD, "approve") is None:
        deny(actor=actor, store=store, action="approve", record_id=pk, request=request)
        raise PermissionDenied
    leave = LeaveRequest.objects.filter(store=store, pk=pk).select_related("member").first()
    if leave is None:
        raise ValidationError(_("No such leave request was found in this store."))
    if leave.member.user_id == actor.pk:
        deny(actor=actor, store=store, action="approve", record_id=pk, request=request)
        raise PermissionDenied(_("Nobody approves their own leave."))
    note = (note or "").strip()
    if not approve and not note:
        raise ValidationError({"note": _("Say why the leave is rejected.")})
    with transaction.atomic():
        leave = LeaveRequest.objects.select_for_update().get(pk=leave.pk)
        if leave.state != LeaveState.PENDING:
            raise ValidationError(
                _("This request was %(state)s already.") % {"state": leave.get_state_display()}
            )
        if approve:
            booked = hooks.bookings_during(member=leave.member, start=leave.start, end=leave.end)
            if booked:
                raise ValidationError(
                    _("This leave overlaps existing bookings; move them first: %(bookings)s")
                    % {"bookings": "; ".join(booked)},
                    code="bookings",
                )
        before = {"state": leave.state}
        leave.state = LeaveState.APPROVED if approve else LeaveState.REJECTED
        leave.decided_by, leave.decided_at = actor, timezone.now()
        leave.decision_note, leave.needs_attention, leave.updated_by = note, False, actor
        leave.save()
        operation_log(
            actor=actor,
            action="approve" if approve else "reject",
            instance=leave,
            changes=diff(before, {"state": leave.state}),
            reason=note,
            request=request,
            store=store,
        )
    if leave.member.user_id:
        from anxin.notifications.services import notify

        notify(
            recipients=[leave.member.user],
            subject=_("Your leave request was %(state)s") % {"state": leave.get_state_display()},
            body=note,
            kind="attendance.leave",
            store=store,
        )
    return leave


def leave_withdraw(*, actor, store, pk, request=None) -> LeaveRequest:
    """The person takes back their own pending request."""
    with transaction.atomic():
        leave = (
            LeaveRequest.objects.select_for_update()
            .filter(store=store, pk=pk, member__user=actor)
            .first()
        )
        if leave is None:
            raise ValidationError(_("No such leave request of yours was found."))
        if leave.state != LeaveState.PENDING:
            raise ValidationError(
                _("This request was %(state)s already.") % {"state": leave.get_state_display()}
            )
        leave.state, leave.decided_at, leave.updated_by = (
            LeaveState.WITHDRAWN,
            timezone.now(),
            actor,
        )
        leave.save()
        operation_log(
            actor=actor,
            action="withdraw",
            instance=leave,
            changes=diff({"state": LeaveState.PENDING}, {"state": leave.state}),
            request=request,
            store=store,
        )
    return leave


# -- overtime -------------------------------------------------------------------------------


def overtime_record(
    *, actor, store, member, date, hours, reason: str, request=None
) -> OvertimeRecord:
    member = member_get(
        actor=actor, store=store, pk=getattr(member, "pk", member), action="change", request=request
    )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say what the overtime was for.")})
    if date is None or date > timezone.localdate():
        raise ValidationError({"date": _("Overtime is recorded once worked, not in advance.")})
    with transaction.atomic():
        record = OvertimeRecord(
            member=member,
            store=store,
            date=date,
            hours=Decimal(hours),
            reason=reason,
            created_by=actor,
            updated_by=actor,
        )
        record.full_clean()
        record.save()
        operation_log(
            actor=actor,
            action="create",
            instance=record,
            changes=diff({}, {"member": member.pk, "date": date, "hours": record.hours}),
            reason=reason,
            request=request,
            store=store,
        )
    return record


# -- the monthly summary as a spreadsheet (for payroll) ---------------------------------------

COLUMNS = [
    ("code", gettext_lazy("code")),
    ("name", gettext_lazy("name")),
    ("scheduled_days", gettext_lazy("scheduled days")),
    ("days_worked", gettext_lazy("days worked")),
    ("hours", gettext_lazy("hours worked")),
    ("late", gettext_lazy("late arrivals")),
    ("early", gettext_lazy("early departures")),
    ("absent", gettext_lazy("absent days")),
    ("overtime", gettext_lazy("overtime hours")),
    ("holiday_hours", gettext_lazy("hours on public holidays")),
]


def summary_export(*, actor, store, year: int, month: int, request=None) -> tuple[bytes, int]:
    """The monthly summary as .xlsx; exporting needs its own permission and is logged."""
    require(actor=actor, store=store, action="export", request=request)
    from .selectors import scoped_members

    members = list(scoped_members(actor=actor, store=store, action="export").only("pk"))
    rows = summarise(store=store, year=year, month=month, members=members)
    book = XlsxWriter()
    sheet = book.sheet(f"{year:04d}-{month:02d}")
    sheet.append(
        [str(label) for _key, label in COLUMNS] + [str(label) for label in LeaveKind.labels]
    )
    for row in rows:
        member = row["member"]
        values = {"code": member.code or "", "name": member.name}
        line = [values.get(key, row.get(key)) for key, _label in COLUMNS]
        line = [float(v) if isinstance(v, Decimal) else v for v in line]
        line += [float(row["leave"][kind]) for kind in LeaveKind.values]
        sheet.append(line)
    content = book.to_bytes()
    use_log(
        actor=actor,
        action="export",
        record_type=RECORD,
        record_id=f"{year:04d}-{month:02d}",
        purpose="payroll",
        count=len(rows),
        request=request,
        store=store,
    )
    return content, len(rows)


# -- a leaver's open work (SEC-6) ----------------------------------------------------------


def open_work_on_leaving(*, user, successor=None) -> int:
    """Pending leave requests addressed to a leaver go to the successor when they may decide
    leave in that store; otherwise they go back to "any manager" and are flagged. The leaver's
    own pending requests are withdrawn. Returns how many requests were handled."""
    handled = 0
    for leave in LeaveRequest.objects.select_for_update().filter(
        approver=user, state=LeaveState.PENDING
    ):
        can_decide = (
            successor is not None
            and successor.is_active
            and scope_for(successor, leave.store, RECORD, "approve") is not None
            and leave.member.user_id != successor.pk
        )
        before = {"approver": leave.approver_id, "needs_attention": leave.needs_attention}
        leave.approver = successor if can_decide else None
        leave.needs_attention = not can_decide
        leave.save(update_fields=["approver", "needs_attention", "updated_at"])
        operation_log(
            actor=None,
            action="reassign",
            instance=leave,
            changes=diff(
                before, {"approver": leave.approver_id, "needs_attention": leave.needs_attention}
            ),
            reason="approver left",
            store=leave.store,
        )
        handled += 1
    for leave in LeaveRequest.objects.select_for_update().filter(
        member__user=user, state=LeaveState.PENDING
    ):
        leave.state, leave.decided_at = LeaveState.WITHDRAWN, timezone.now()
        leave.decision_note = "left"
        leave.save(update_fields=["state", "decided_at", "decision_note", "updated_at"])
        operation_log(
            actor=None,
            action="withdraw",
            instance=leave,
            changes=diff({"state": LeaveState.PENDING}, {"state": leave.state}),
            reason="requester left",
            store=leave.store,
        )
        handled += 1
    open_clock = ClockRecord.objects.filter(member__user=user, clock_out__isnull=True).first()
    if open_clock is not None:
        # Someone who leaves while clocked in: the stretch ends when they left.
        open_clock.clock_out = max(timezone.now(), open_clock.clock_in + dt.timedelta(seconds=1))
        open_clock.note = "closed on leaving"
        open_clock.save(update_fields=["clock_out", "note"])
        operation_log(
            actor=None,
            action="clock_out",
            instance=open_clock,
            changes=diff({"clock_out": None}, {"clock_out": open_clock.clock_out}),
            reason="left",
            store=open_clock.store,
        )
    return handled
