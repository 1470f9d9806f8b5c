"""Pages of internal audits (AUD-4) and KPIs with rewards and penalties (AUD-6). Thin: forms in,
selectors and services out."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Max
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.models import User
from anxin.accounts.names import person_name
from anxin.accounts.permissions import MANAGE_KPI_RULES, RUN_AUDITS
from anxin.accounts.policy import Scope, scope_for
from anxin.audit.services import use_log
from anxin.core.forms import add_errors
from anxin.core.post_only import post_only

from . import selectors, services
from .forms import (
    AddCheckForm,
    AppealForm,
    AuditPlanForm,
    CloseForm,
    CompleteForm,
    DecideForm,
    FindingForm,
    MonthForm,
    RectifyForm,
    RuleForm,
    VerifyForm,
)
from .kpis import KPIS
from .models import KpiRow, KpiRule
from .report import audit_workbook
from .services.common import KPI_RECORD


def _month(request):
    """The month asked for; by default the latest month computed (a month's KPIs are computed
    after it ends: this month's page would be empty), else this month."""
    latest = KpiRow.objects.filter(store=request.store).aggregate(m=Max("month"))["m"]
    default = latest or timezone.localdate()
    form = MonthForm(request.GET or {"month": default.strftime("%Y-%m")})
    if form.is_valid():
        return form, form.cleaned_data["month"], 200
    return form, timezone.localdate().replace(day=1), 400


def _user(store, pk):
    user = User.objects.filter(pk=pk).first() if pk else None
    return user if user is not None and user.stores().filter(pk=store.pk).exists() else None


# -- audits ----------------------------------------------------------------------------------


def audit_list(request):
    plans = selectors.audit_list(actor=request.user, store=request.store, request=request)
    return render(
        request,
        "supervision/audit_list.html",
        {
            "plans": plans,
            "can_run": request.user.has_store_perm(RUN_AUDITS, request.store),
            "mine": selectors.findings_mine(actor=request.user, store=request.store),
        },
    )


def audit_new(request):
    store = request.store
    if not request.user.has_store_perm(RUN_AUDITS, store):
        raise PermissionDenied
    form = AuditPlanForm(request.POST or None, store=store)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            plan = services.audit_plan_create(
                actor=request.user, store=store, title=data["title"], scope=data["scope"],
                period_start=data["period_start"], period_end=data["period_end"],
                auditor=_user(store, data["auditor"]), checks=data["checks"], request=request,
            )  # fmt: skip
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Planned the audit “%(title)s”.") % {"title": plan.title})
            return redirect("supervision:audit", pk=plan.pk)
    return render(
        request, "supervision/audit_form.html", {"form": form}, status=400 if form.errors else 200
    )


def _audit_context(request, plan, **forms):
    can_run = request.user.has_store_perm(RUN_AUDITS, request.store)
    return {
        "plan": plan,
        "items": list(plan.items.all()),
        "findings": list(plan.findings.select_related("owner__staff_file", "item")),
        "can_run": can_run and plan.state != "completed",
        "finding_form": forms.get("finding_form") or FindingForm(plan=plan),
        "check_form": forms.get("check_form") or AddCheckForm(),
        "complete_form": forms.get("complete_form") or CompleteForm(),
        "today": timezone.localdate(),
    }


def audit_detail(request, pk):
    plan = selectors.audit_get(actor=request.user, store=request.store, pk=pk, request=request)
    return render(request, "supervision/audit_detail.html", _audit_context(request, plan))


@post_only(form_at=lambda request, pk, what: reverse("supervision:audit", args=[pk]))
def audit_action(request, pk, what):
    plan = selectors.audit_get(actor=request.user, store=request.store, pk=pk, request=request)
    forms, form = {}, None
    try:
        if what == "run":
            services.audit_run_checks(actor=request.user, plan=plan, request=request)
            done = _("Ran the checks; the evidence is below.")
        elif what == "check":
            form = forms["check_form"] = AddCheckForm(request.POST)
            if form.is_valid():
                services.audit_item_add(
                    actor=request.user, plan=plan, check_key=form.cleaned_data["check_key"],
                    request=request,
                )  # fmt: skip
            done = _("Added the check to the checklist.")
        elif what == "finding":
            form = forms["finding_form"] = FindingForm(request.POST, plan=plan)
            if form.is_valid():
                data = form.cleaned_data
                item = plan.items.filter(pk=data["item"]).first() if data["item"] else None
                services.finding_create(
                    actor=request.user, plan=plan, title=data["title"],
                    description=data["description"], severity=data["severity"],
                    owner=_user(plan.store, data["owner"]), deadline=data["deadline"], item=item,
                    request=request,
                )  # fmt: skip
            done = _("Recorded the finding; its owner has been told.")
        elif what == "complete":
            form = forms["complete_form"] = CompleteForm(request.POST)
            if form.is_valid():
                services.audit_complete(
                    actor=request.user, plan=plan, conclusion=form.cleaned_data["conclusion"],
                    request=request,
                )  # fmt: skip
            done = _("The audit is completed.")
        else:
            raise Http404
    except ValidationError as exc:
        if form is None:
            for message in exc.messages:
                messages.error(request, message)
            return redirect("supervision:audit", pk=plan.pk)
        add_errors(form, exc)
    if form is not None and form.errors:
        plan.refresh_from_db()
        return render(
            request, "supervision/audit_detail.html", _audit_context(request, plan, **forms),
            status=400,
        )  # fmt: skip
    messages.success(request, done)
    return redirect("supervision:audit", pk=plan.pk)


def _report_context(request, plan):
    ctx = _audit_context(request, plan)
    use_log(
        actor=request.user, action="report", instance=plan, purpose="audit report",
        request=request, store=request.store,
    )  # fmt: skip
    return ctx


def audit_report(request, pk):
    plan = selectors.audit_get(actor=request.user, store=request.store, pk=pk, request=request)
    return render(request, "supervision/audit_report.html", _report_context(request, plan))


def audit_export(request, pk):
    plan = selectors.audit_get(actor=request.user, store=request.store, pk=pk, request=request)
    ctx = _report_context(request, plan)
    book = audit_workbook(plan, ctx["items"], ctx["findings"], request.store)
    response = HttpResponse(
        book.to_bytes(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="audit-{plan.pk}.xlsx"'
    return response


def finding_detail(request, pk):
    finding = selectors.finding_get(actor=request.user, store=request.store, pk=pk, request=request)
    is_owner = finding.owner_id == request.user.pk
    can_run = request.user.has_store_perm(RUN_AUDITS, request.store)
    forms = {
        "rectify": RectifyForm(prefix="rectify"),
        "verify": VerifyForm(prefix="verify"),
        "close": CloseForm(prefix="close"),
    }
    status = 200
    if request.method == "POST":
        what = request.POST.get("action")
        cls = {"rectify": RectifyForm, "verify": VerifyForm, "close": CloseForm}.get(what)
        if cls is None:
            raise Http404
        form = forms[what] = cls(request.POST, prefix=what)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if what == "rectify":
                    services.finding_rectify(
                        actor=request.user, finding=finding, request=request, **data
                    )
                    done = _("Sent your rectification to the auditor.")
                elif what == "verify":
                    services.finding_verify(
                        actor=request.user, finding=finding, request=request, **data
                    )
                    done = _("Recorded the verification.")
                else:
                    services.finding_close(
                        actor=request.user, finding=finding, note=data["note"], request=request
                    )
                    done = _("Closed the finding.")
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, done)
                return redirect("supervision:finding", pk=finding.pk)
        status = 400
    return render(
        request,
        "supervision/finding.html",
        {
            "finding": finding,
            "forms": forms,
            "can_rectify": is_owner and finding.state == "open",
            "can_verify": can_run and not is_owner and finding.state == "rectified",
            "can_close": can_run and finding.state != "closed",
            "overdue": finding.state == "open" and finding.deadline < timezone.localdate(),
        },
        status=status,
    )


# -- KPIs, rules, rewards and penalties ------------------------------------------------------


def _kpi_labels():
    return [(key, label) for key, (label, _better) in KPIS.items()]


def kpi_store(request):
    store = request.store
    form, month, status = _month(request)
    data = selectors.kpi_rows(actor=request.user, store=store, month=month, request=request)
    if request.method == "POST":
        try:
            services.kpi_compute(actor=request.user, store=store, month=month, request=request)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(
                request, _("Computed the KPIs of %(month)s.") % {"month": f"{month:%Y-%m}"}
            )
        return redirect(f"{reverse('supervision:kpis')}?month={month:%Y-%m}")
    return render(
        request,
        "supervision/kpis.html",
        {
            "form": form,
            "month": month,
            "data": data,
            "kpis": _kpi_labels(),
            "can_compute": scope_for(request.user, store, KPI_RECORD, "create") is not None,
        },
        status=status,
    )


def kpi_mine(request):
    form, month, status = _month(request)
    row = selectors.kpi_mine(actor=request.user, store=request.store, month=month, request=request)
    sanctions = selectors.sanctions_mine(actor=request.user, store=request.store)
    return render(
        request,
        "supervision/my_kpis.html",
        {
            "form": form,
            "month": month,
            "row": row,
            "kpis": _kpi_labels(),
            "sanctions": sanctions,
            "appeal_form": AppealForm(),
        },
        status=status,
    )


def rule_list(request):
    store = request.store
    rules = selectors.rules(actor=request.user, store=store, request=request)
    can_write = request.user.has_store_perm(MANAGE_KPI_RULES, store)
    form = RuleForm(request.POST or None)
    if request.method == "POST":
        if not can_write:
            raise PermissionDenied
        based_on = None
        if request.POST.get("based_on"):
            if not request.POST["based_on"].isdigit():
                raise Http404
            based_on = KpiRule.objects.filter(store=store, pk=request.POST["based_on"]).first()
            if based_on is None:
                raise Http404
        if form.is_valid():
            try:
                rule = services.rule_write(
                    actor=request.user, store=store, based_on=based_on, request=request,
                    **form.cleaned_data,
                )  # fmt: skip
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Wrote the draft “%(name)s”, version %(version)s; publish it to apply it.")
                    % {"name": rule.name, "version": rule.version},
                )
                return redirect("supervision:rules")
    return render(
        request,
        "supervision/rules.html",
        {"rules": rules, "form": form, "can_write": can_write, "kpis": dict(_kpi_labels())},
        status=400 if form.errors else 200,
    )


@post_only(form_at=lambda request, pk: reverse("supervision:rules"))
def rule_publish(request, pk):
    rule = KpiRule.objects.filter(store=request.store, pk=pk).first()
    if rule is None:
        raise Http404
    try:
        services.rule_publish(actor=request.user, rule=rule, request=request)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("Published “%(name)s”, version %(version)s.")
            % {"name": rule.name, "version": rule.version},
        )
    return redirect("supervision:rules")


def sanction_list(request):
    store = request.store
    form, month, status = _month(request)
    if scope_for(request.user, store, KPI_RECORD, "view") != Scope.STORE:
        raise PermissionDenied
    if request.method == "POST":
        try:
            made = services.sanctions_propose(
                actor=request.user, store=store, month=month, request=request
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Proposed %(n)s rewards and penalties.") % {"n": len(made)})
        return redirect(f"{reverse('supervision:sanctions')}?month={month:%Y-%m}")
    rows = selectors.sanctions_of_month(
        actor=request.user, store=store, month=month, request=request
    )
    return render(
        request,
        "supervision/sanctions.html",
        {
            "form": form,
            "month": month,
            "rows": rows,
            "decide_form": DecideForm(),
            "can_decide": scope_for(request.user, store, KPI_RECORD, "approve") is not None,
            "can_propose": scope_for(request.user, store, KPI_RECORD, "create") is not None,
            "kpis": dict(_kpi_labels()),
        },
        status=status,
    )


@post_only(form_at=lambda request, pk, what: reverse("supervision:my_kpis"))
def sanction_action(request, pk, what):
    sanction = selectors.sanction_get(
        actor=request.user, store=request.store, pk=pk, request=request
    )
    mine = sanction.user_id == request.user.pk
    back = (
        f"{reverse('supervision:my_kpis')}?month={sanction.month:%Y-%m}"
        if mine
        else f"{reverse('supervision:sanctions')}?month={sanction.month:%Y-%m}"
    )
    try:
        if what == "confirm":
            services.sanction_confirm(actor=request.user, sanction=sanction, request=request)
        elif what == "withdraw":
            services.sanction_withdraw(actor=request.user, sanction=sanction, request=request)
        elif what == "appeal":
            services.sanction_appeal(
                actor=request.user, sanction=sanction, comment=request.POST.get("comment", ""),
                request=request,
            )  # fmt: skip
        elif what == "decide":
            form = DecideForm(request.POST)
            if not form.is_valid():
                for errors in form.errors.values():
                    for message in errors:
                        messages.error(request, message)
                return redirect(back)
            services.sanction_decide(
                actor=request.user, sanction=sanction, request=request, **form.cleaned_data
            )
        else:
            raise Http404
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        who = person_name(sanction.user, request.store)
        done = {
            "confirm": _("Confirmed for %(name)s."),
            "withdraw": _("Withdrew the proposal for %(name)s."),
            "appeal": _("Your appeal was sent."),
            "decide": _("Decided the appeal of %(name)s."),
        }[what]
        messages.success(request, done % {"name": who})
    return redirect(back)
