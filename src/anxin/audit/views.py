"""The supervisor's inbox and the two logs. Reading them is itself logged (PRV-2)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from anxin.accounts.names import person_name
from anxin.core.forms import add_errors
from anxin.core.paging import keyset_page_for

from . import selectors, services
from .forms import AlertFilterForm, AlertHandleForm, OperationLogFilterForm, UseLogFilterForm
from .models import UseOutcome

PAGE_SIZE = 50
LOG_ORDER = ("-seq",)  # keyset pages through the (store, seq) index: no OFFSET, no COUNT(*)
PURPOSE = "supervision"  # stored as data, the same in every language


def _require(request, record_type: str, record_id: str = "") -> None:
    """Only auditing roles; a refused attempt is logged (and alerts the supervisor)."""
    if not selectors.can_audit(request.user, request.store):
        services.use_log(
            actor=request.user,
            action="view",
            record_type=record_type,
            record_id=record_id,
            outcome=UseOutcome.DENIED,
            request=request,
        )
        raise PermissionDenied


def _page(request, queryset, size=PAGE_SIZE):
    return Paginator(queryset, size).get_page(request.GET.get("page"))


def alert_list(request):
    _require(request, "audit.alert")
    form = AlertFilterForm(request.GET or None)
    alerts = selectors.alert_list(actor=request.user, store=request.store, states=form.states())
    page = _page(request, alerts, 25)
    services.use_log(
        actor=request.user,
        action="search",
        record_type="audit.alert",
        purpose=PURPOSE,
        request=request,
        count=len(page.object_list),
    )
    return render(request, "audit/alert_list.html", {"form": form, "page_obj": page})


def alert_detail(request, alert_id: int):
    _require(request, "audit.alert", str(alert_id))
    alert = selectors.alert_get(actor=request.user, store=request.store, alert_id=alert_id)
    form = AlertHandleForm()
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in ("acknowledge", "close"):
            return HttpResponseBadRequest()
        form = AlertHandleForm(request.POST, action=action)
        if form.is_valid():
            handle = services.alert_acknowledge if action == "acknowledge" else services.alert_close
            try:
                handle(
                    actor=request.user,
                    store=request.store,
                    alert=alert,
                    note=form.cleaned_data["note"],
                    request=request,
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                words = {
                    "number": alert.pk,
                    "rule": alert.get_rule_display(),
                    "name": person_name(alert.user, request.store) if alert.user else "—",
                }
                if action == "acknowledge":
                    text = _("Acknowledged alert no. %(number)s (%(rule)s, about %(name)s).")
                else:
                    text = _("Closed alert no. %(number)s (%(rule)s, about %(name)s).")
                messages.success(request, text % words)
                return redirect("audit:alert_list")
        status = 400
    services.use_log(
        actor=request.user,
        action="view",
        instance=alert,
        purpose=PURPOSE,
        request=request,
    )
    evidence = selectors.alert_evidence([alert], store=request.store)
    rows = [evidence[i] for i in alert.evidence if i in evidence]
    return render(
        request,
        "audit/alert_detail.html",
        {"alert": alert, "form": form, "rows": rows, "hidden": len(alert.evidence) - len(rows)},
        status=status,
    )


def use_list(request):
    _require(request, "audit.uselog")
    form = UseLogFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    page = keyset_page_for(
        request,
        selectors.use_log_list(actor=request.user, store=request.store, filters=filters),
        order=LOG_ORDER,
        size=PAGE_SIZE,
    )
    services.use_log(
        actor=request.user,
        action="search",
        record_type="audit.uselog",
        purpose=PURPOSE,
        request=request,
        count=len(page.object_list),
    )
    return render(
        request,
        "audit/use_list.html",
        {"form": form, "page_obj": page},
        status=400 if form.errors else 200,
    )


def operation_list(request):
    _require(request, "audit.operationlog")
    form = OperationLogFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    page = keyset_page_for(
        request,
        selectors.operation_log_list(actor=request.user, store=request.store, filters=filters),
        order=LOG_ORDER,
        size=PAGE_SIZE,
    )
    services.use_log(
        actor=request.user,
        action="search",
        record_type="audit.operationlog",
        purpose=PURPOSE,
        request=request,
        count=len(page.object_list),
    )
    return render(
        request,
        "audit/operation_list.html",
        {"form": form, "page_obj": page},
        status=400 if form.errors else 200,
    )
