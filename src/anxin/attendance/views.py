from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from anxin.accounts.policy import scope_for
from anxin.core.forms import add_errors
from anxin.core.paging import keyset_page_for

from . import selectors, services
from .forms import ClockEntryForm, DecideForm, LeaveForm, MonthForm, OvertimeForm, PatternForm
from .models import LeaveKind, LeaveState, WorkPattern
from .selectors import RECORD


def _time(value) -> str:
    return date_format(timezone.localtime(value), "H:i")


def _leave_words(leave) -> dict:
    """What a message says of a leave request: whose, which kind, from and until (local)."""
    return {
        "name": leave.member.name,
        "kind": leave.get_kind_display(),
        "start": date_format(timezone.localtime(leave.start), "Y-m-d H:i"),
        "end": date_format(timezone.localtime(leave.end), "Y-m-d H:i"),
    }


def mine(request):
    """One's own attendance: the current state said in words, one button to clock in and one
    to clock out, and one's leave requests."""
    selectors.require(actor=request.user, store=request.store, action="create", request=request)
    member = selectors.own_member(actor=request.user, store=request.store)
    context = {"member": member}
    if member is not None:
        current = selectors.open_clock(member)
        context.update(
            current=current,
            last=None if current else selectors.last_clock(member),
            records=selectors.recent_clocks(actor=request.user, store=request.store, member=member),
            leaves=list(
                selectors.leave_list(actor=request.user, store=request.store, member=member)[:20]
            ),
            today=timezone.localdate(),
        )
    return render(request, "attendance/mine.html", context)


def clock(request):
    if request.method != "POST":
        return redirect("attendance:mine")
    action = request.POST.get("action")
    try:
        if action == "in":
            record = services.clock_in(actor=request.user, store=request.store, request=request)
            messages.success(
                request, _("Clocked in at %(time)s.") % {"time": _time(record.clock_in)}
            )
        elif action == "out":
            record = services.clock_out(actor=request.user, store=request.store, request=request)
            messages.success(
                request,
                _("Clocked out at %(time)s; %(hours)s hours since clocking in.")
                % {"time": _time(record.clock_out), "hours": record.hours},
            )
        else:
            messages.error(request, _("Choose clock in or clock out."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("attendance:mine")


def leave_new(request):
    selectors.require(actor=request.user, store=request.store, action="create", request=request)
    approvers = [u for u in services._approvers(request.store) if u.pk != request.user.pk]
    form = LeaveForm(request.POST or None, approvers=approvers)
    if request.method == "POST" and form.is_valid():
        try:
            leave = services.leave_request(
                actor=request.user, store=request.store, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                _("Leave request of %(name)s (%(kind)s, %(start)s to %(end)s) sent for approval.")
                % _leave_words(leave),
            )
            return redirect("attendance:leave_detail", pk=leave.pk)
    return render(
        request, "attendance/leave_new.html", {"form": form}, status=400 if form.errors else 200
    )


def _label_leave_rows(rows) -> None:
    """What each row of the leave list shows, worked out once per page (a list shows up to
    200): the link from one reversal, the labels of kind and state from one translation each,
    the times in local time (issue 11)."""
    head, tail = reverse("attendance:leave_detail", args=[0]).rsplit("0", 1)
    kinds = {value: str(label) for value, label in LeaveKind.choices}
    states = {value: str(label) for value, label in LeaveState.choices}
    for leave in rows:
        leave.detail_url = f"{head}{leave.pk}{tail}"
        leave.kind_label = kinds.get(leave.kind, leave.kind)
        leave.state_label = states.get(leave.state, leave.state)
        leave.start_text = timezone.localtime(leave.start).strftime("%Y-%m-%d %H:%M")
        leave.end_text = timezone.localtime(leave.end).strftime("%Y-%m-%d %H:%M")


LEAVE_PAGE_SIZE = 50


def leave_list(request):
    selectors.require(actor=request.user, store=request.store, action="view", request=request)
    to_decide = list(selectors.leave_to_decide(actor=request.user, store=request.store))
    # Keyset pages of 50 through (store, start, id), however long the history (issue 11).
    page = keyset_page_for(
        request,
        selectors.leave_list(actor=request.user, store=request.store),
        order=selectors.LEAVE_ORDER,
        size=LEAVE_PAGE_SIZE,
    )
    leaves = page.object_list
    _label_leave_rows([*to_decide, *leaves])
    return render(
        request,
        "attendance/leave_list.html",
        {"to_decide": to_decide, "leaves": leaves, "page_obj": page},
    )


def leave_detail(request, pk):
    leave = selectors.leave_get(actor=request.user, store=request.store, pk=pk, request=request)
    can_decide = (
        leave.state == LeaveState.PENDING
        and scope_for(request.user, request.store, RECORD, "approve") is not None
        and leave.member.user_id != request.user.pk
    )
    form = DecideForm(request.POST or None) if can_decide else None
    if request.method == "POST":
        try:
            if request.POST.get("action") == "withdraw":
                services.leave_withdraw(
                    actor=request.user, store=request.store, pk=leave.pk, request=request
                )
                messages.success(
                    request,
                    _("Leave request of %(name)s (%(kind)s, %(start)s to %(end)s) withdrawn.")
                    % _leave_words(leave),
                )
                return redirect("attendance:leave_detail", pk=leave.pk)
            if form is None:
                raise PermissionDenied
            if form.is_valid():
                approve = form.cleaned_data["decision"] == "approve"
                services.leave_decide(
                    actor=request.user,
                    store=request.store,
                    pk=leave.pk,
                    approve=approve,
                    note=form.cleaned_data["note"],
                    request=request,
                )
                done = (
                    _("Approved the leave of %(name)s (%(kind)s, %(start)s to %(end)s).")
                    if approve
                    else _("Rejected the leave of %(name)s (%(kind)s, %(start)s to %(end)s).")
                )
                messages.success(request, done % _leave_words(leave))
                return redirect("attendance:leave_detail", pk=leave.pk)
        except ValidationError as exc:
            if form is not None:
                add_errors(form, exc)
            else:
                messages.error(request, " ".join(exc.messages))
                return redirect("attendance:leave_detail", pk=leave.pk)
    from .hooks import bookings_during

    context = {
        "leave": leave,
        "form": form,
        "own": leave.member.user_id == request.user.pk,
        "bookings": bookings_during(member=leave.member, start=leave.start, end=leave.end)
        if leave.state == LeaveState.PENDING
        else [],
    }
    return render(
        request,
        "attendance/leave_detail.html",
        context,
        status=400 if form is not None and form.errors else 200,
    )


def person(request, pk):
    """A person's attendance for the clerk or a manager: hours, hand entries, overtime."""
    member = selectors.member_get(
        actor=request.user, store=request.store, pk=pk, action="view", request=request
    )
    can_change = (
        selectors.scoped_members(actor=request.user, store=request.store, action="change")
        .filter(pk=member.pk)
        .exists()
    )
    pattern = WorkPattern.objects.filter(member=member).first()
    forms = {
        "pattern": PatternForm(prefix="pattern", initial=PatternForm.initial_from(pattern)),
        "entry": ClockEntryForm(prefix="entry"),
        "overtime": OvertimeForm(prefix="overtime"),
    }
    action = request.POST.get("action")
    if request.method == "POST":
        if not can_change or action not in forms:
            selectors.deny(
                actor=request.user,
                store=request.store,
                action="change",
                record_id=pk,
                request=request,
            )
            raise PermissionDenied
        form = forms[action] = type(forms[action])(request.POST, prefix=action)
        if form.is_valid():
            data = form.cleaned_data
            common = {
                "actor": request.user,
                "store": request.store,
                "member": member,
                "request": request,
            }
            try:
                if action == "pattern":
                    services.pattern_set(**common, calendar=data["calendar"], week=form.week())
                elif action == "entry":
                    services.clock_record(**common, **data)
                else:
                    services.overtime_record(**common, **data)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Saved for %(name)s.") % {"name": member.name})
                return redirect("attendance:person", pk=member.pk)
    from anxin.audit.services import use_log

    use_log(
        actor=request.user,
        action="view",
        instance=member,
        record_type=RECORD,
        request=request,
        store=request.store,
    )
    context = {
        "member": member,
        "pattern": pattern,
        "forms": forms,
        "can_change": can_change,
        "records": selectors.recent_clocks(
            actor=request.user, store=request.store, member=member, days=31
        ),
        "overtime": list(member.overtime.all()[:20]),
        "failed": action if any(f.errors for f in forms.values()) else "",
    }
    return render(
        request, "attendance/person.html", context, status=400 if context["failed"] else 200
    )


def summary(request):
    if scope_for(request.user, request.store, RECORD, "view") != "store":
        selectors.deny(actor=request.user, store=request.store, action="report", request=request)
        raise PermissionDenied
    today = timezone.localdate()
    data = request.GET or {"month": f"{today.year:04d}-{today.month:02d}"}
    form = MonthForm(data)
    rows, year, month = [], None, None
    if form.is_valid():
        year, month = form.cleaned_data["month"]
        rows = selectors.monthly_summary(
            actor=request.user, store=request.store, year=year, month=month, request=request
        )
    can_export = scope_for(request.user, request.store, RECORD, "export") is not None
    context = {
        "form": form,
        "rows": rows,
        "year": year,
        "month": month,
        "can_export": can_export,
    }
    return render(request, "attendance/summary.html", context, status=400 if form.errors else 200)


def summary_export(request):
    selectors.require(actor=request.user, store=request.store, action="export", request=request)
    form = MonthForm(request.POST or None)
    if request.method != "POST" or not form.is_valid():
        messages.error(request, _("Enter a month as YYYY-MM, e.g. 2024-05."))
        return redirect("attendance:summary")
    year, month = form.cleaned_data["month"]
    content, _count = services.summary_export(
        actor=request.user, store=request.store, year=year, month=month, request=request
    )
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="attendance-{year:04d}-{month:02d}.xlsx"'
    )
    return response
