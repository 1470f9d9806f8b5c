"""Commission pages (POS-3): thin views over the selectors and services."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anxin.accounts.policy import Scope
from anxin.core.forms import NOT_DONE, form_status, form_submit
from anxin.core.post_only import post_only
from anxin.performance.forms import MonthForm

from . import selectors, services
from .forms import RuleForm


def _month(request):
    form = MonthForm(request.GET or {"month": timezone.localdate().strftime("%Y-%m")})
    if form.is_valid():
        return form, form.cleaned_data["month"], 200
    return form, timezone.localdate().replace(day=1), 400


def _with_month(url: str, month) -> str:
    return f"{url}?month={month:%Y-%m}"


def month(request):
    """The manager's and finance's month: every practitioner's commissions with totals. A
    practitioner goes to their own page."""
    granted = selectors.scope(request.user, request.store)
    if granted is None:
        raise PermissionDenied
    form, chosen, status = _month(request)
    if granted == Scope.OWN:
        return redirect(_with_month(reverse("commissions:person", args=[request.user.pk]), chosen))
    rows, grand = selectors.month_overview(
        actor=request.user, store=request.store, month=chosen, request=request
    )
    return render(
        request,
        "commissions/month.html",
        {
            "form": form,
            "month": chosen,
            "rows": rows,
            "grand": grand,
            "closed": selectors.month_closed(store=request.store, month=chosen),
            "can_close": services.may_manage(request.user, request.store)
            and chosen < timezone.localdate().replace(day=1),
        },
        status=status,
    )


def person(request, pk):
    form, chosen, status = _month(request)
    who, page, totals = selectors.practitioner_month(
        actor=request.user,
        store=request.store,
        practitioner_id=pk,
        month=chosen,
        after=request.GET.get("after") or None,
        before=request.GET.get("before") or None,
        oldest=bool(request.GET.get("oldest")),
        request=request,
    )
    return render(
        request,
        "commissions/person.html",
        {
            "form": form,
            "month": chosen,
            "person": who,
            "lines": page.object_list,
            "page_obj": page,
            "totals": totals,
            "own": who.pk == request.user.pk,
            "closed": selectors.month_closed(store=request.store, month=chosen),
            "can_see_all": selectors.scope(request.user, request.store) == Scope.STORE,
        },
        status=status,
    )


def _require_manage(request, **kwargs):
    if not services.may_manage(request.user, request.store):
        raise PermissionDenied


@post_only(
    button=gettext_lazy("Close the month for payroll"),
    form_at=lambda request: reverse("commissions:month"),
    check=_require_manage,
)
def close(request):
    form = MonthForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a month as year and month, e.g. 2026-11."))
        return redirect("commissions:month")
    chosen = form.cleaned_data["month"]
    try:
        done = services.month_close(
            actor=request.user, store=request.store, month=chosen, request=request
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("%(month)s is closed for payroll; its commissions are final.")
            % {"month": f"{done.month:%Y-%m}"},
        )
    return redirect(_with_month(reverse("commissions:month"), chosen))


def rules(request):
    _require_manage(request)
    return render(
        request,
        "commissions/rules.html",
        {
            "rules": selectors.rules(store=request.store),
            "closes": selectors.recent_closes(store=request.store),
        },
    )


def rule_new(request):
    _require_manage(request)
    form = RuleForm(request.POST or None, store=request.store)
    rule = form_submit(
        request,
        form,
        lambda data: services.rule_create(
            actor=request.user,
            store=request.store,
            basis=data["basis"],
            mode=data["mode"],
            rate=data["rate"],
            effective_from=data["effective_from"],
            item=data.get("item"),
            category=data.get("category"),
            level=data.get("level") or "",
            min_volume=data.get("min_volume") or "0",
            note=data.get("note") or "",
            request=request,
        ),
    )
    if rule is not NOT_DONE:
        messages.success(
            request,
            _("The rule is saved; it is in force from %(day)s.")
            % {"day": rule.effective_from.isoformat()},
        )
        return redirect("commissions:rules")
    return render(
        request, "commissions/rule_form.html", {"form": form}, status=form_status(request)
    )
