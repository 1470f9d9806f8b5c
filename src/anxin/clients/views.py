import functools
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from anxin.accounts.policy import Scope, scope_for
from anxin.audit.services import use_log

from . import quality, selectors, services
from .forms import (
    ClientSettingsForm,
    ConsentChangeForm,
    ExportForm,
    HealthAddForm,
    QualityForm,
    RegistrationForm,
    RevealForm,
    SearchForm,
    client_option,
)
from .models import ClientStatus, Consent, StoreClientSettings
from .notice import notice_current
from .selectors import RECORD

BOOKING = "scheduling.appointment"  # who may book (``scheduling.services.RECORD``)
SERVICE_RECORD = "delivery.service"  # who may record a service (``delivery.selectors.RECORD``)


def _remembering(view):
    """Read the person's permissions once per request (see ``selectors.scope``)."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        selectors.remember_permissions(request)
        return view(request, *args, **kwargs)

    return wrapped


@_remembering
def client_list(request):
    """The client list, and the one search box (CLI-7)."""
    if selectors.scope(request.user, request.store, "view") is None:
        raise PermissionDenied
    form = SearchForm(request.GET or None)
    query = ""
    if form.is_valid():
        query = form.cleaned_data["q"].strip()
    if query:
        clients = selectors.client_search(
            actor=request.user, store=request.store, query=query, request=request
        )
    else:
        status = request.GET.get("status", "")
        if status not in ClientStatus.values:
            status = ""
        clients = list(
            selectors.client_list(actor=request.user, store=request.store, status=status)[:200]
        )
        use_log(
            actor=request.user,
            action="search",
            record_type=RECORD,
            record_id="*",
            count=len(clients),
            purpose="list",
            request=request,
            store=request.store,
        )
    can = {
        a
        for a in ("create", "export", "approve", "change")
        if selectors.scope(request.user, request.store, a) is not None
    }
    context = {
        "clients": clients,
        "form": form,
        "query": query,
        "can": can,
        "can_create": "create" in can,
        "can_export": "export" in can,
        "book_url": _book_url(request),
    }
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "results":
        # The live search: the table, and the count for the live region (out of band).
        return render(request, "clients/list.html#results", {**context, "live": True})
    return render(request, "clients/list.html", context, status=400 if form.errors else 200)


LOOKUP_SIZE = 10  # the combobox offers a short list: type more to narrow it


@_remembering
def client_lookup(request):
    """The combobox's suggestions (``combobox.js``): the one search (CLI-7), scoped and logged
    as on the client list, as a short JSON list. Out of scope is simply not found."""
    selectors.require(actor=request.user, store=request.store, action="view", request=request)
    query = request.GET.get("q", "").strip()[:80]
    found = selectors.client_search(
        actor=request.user, store=request.store, query=query, request=request
    )
    options = [client_option(c) for c in found[:LOOKUP_SIZE]]
    more = len(found) > LOOKUP_SIZE or getattr(found, "more", False)
    if not query:
        status = ""
    elif not options:
        status = _("No client found: try the code, the phone or other initials.")
    else:
        status = ngettext("%(n)s client found", "%(n)s clients found", len(options)) % {
            "n": len(options)
        }
        if more:
            status += _("; there are more: type more to narrow it")
    response = JsonResponse({"options": options, "more": more, "status": status})
    response["Cache-Control"] = "no-store, private"
    return response


def _book_url(request) -> str:
    """Where "Book" leads, the client's code to follow; empty for whoever may not book."""
    if scope_for(request.user, request.store, BOOKING, "create") is None:
        return ""
    return reverse("scheduling:new") + "?client="


def _record_url(request, client) -> str:
    """Where "Record a service" leads, the client filled in; empty for whoever may not record."""
    if client.status != ClientStatus.ACTIVE:
        return ""
    if scope_for(request.user, request.store, SERVICE_RECORD, "create") is None:
        return ""
    return reverse("delivery:service_new") + "?client=" + quote(client.code)


def _upcoming(request, client) -> list:
    """The client's next bookings in this store, as this person may see them (a few, one query)."""
    from anxin.scheduling.selectors import client_upcoming

    return client_upcoming(actor=request.user, store=request.store, client=client, request=request)


@_remembering
def client_detail(request, code):
    client = selectors.client_get(
        actor=request.user, store=request.store, code=code, request=request
    )
    return _detail(request, client)


@_remembering
def client_reveal(request, code):
    """Show one masked value once, for a stated purpose, to someone verified by a second factor."""
    if request.method != "POST":
        return redirect("clients:detail", code=code)
    form = RevealForm(request.POST)
    if not request.user.is_verified():
        raise PermissionDenied
    if not form.is_valid():
        client = selectors.client_get(
            actor=request.user, store=request.store, code=code, request=request
        )
        return _detail(request, client, status=400, reveal_form=form)
    field = form.cleaned_data["field"]
    value = selectors.client_reveal(
        actor=request.user,
        store=request.store,
        code=code,
        field=field,
        purpose=form.purpose_text(),
        request=request,
    )
    client = selectors.scoped_clients(actor=request.user, store=request.store).get(code=code)
    labels = {"phone": _("phone"), "id_number": _("ID number"), "address": _("address")}
    return _detail(request, client, revealed=(labels[field], value))


@_remembering
def client_new(request):
    """Registration (CLI-1, CLI-6, PRV-1): the privacy notice first, consent, confirmation."""
    if selectors.scope(request.user, request.store, "create") is None:
        raise PermissionDenied
    notice = notice_current()
    form = RegistrationForm(
        request.POST or None, initial={"notice_version": notice.version if notice else ""}
    )
    existing = None
    if request.method == "POST" and form.is_valid():
        try:
            client = services.client_create(
                actor=request.user,
                store=request.store,
                request=request,
                consent=form.consent(),
                **form.client_data(),
            )
        except services.DuplicateClient as exc:
            form.add_error(None, exc)
            existing = exc.existing
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if client.status == ClientStatus.PENDING:
                text = _(
                    "Registered %(name)s (%(code)s); the file becomes active after a "
                    "supervisor's review."
                )
            else:
                text = _("Registered %(name)s (%(code)s).")
            messages.success(request, text % {"name": client.name, "code": client.code})
            return redirect("clients:detail", code=client.code)
    return render(
        request,
        "clients/new.html",
        {"form": form, "notice": notice, "existing": existing},
        status=400 if form.errors or notice is None else 200,
    )


def _detail(request, client, *, status=200, **extra):
    view = selectors.client_view(
        actor=request.user, store=request.store, client=client, request=request
    )
    context = {
        "view": view,
        "client": client,
        # Built only if the page shows them (not everyone may reveal or add health notes).
        "reveal_form": SimpleLazyObject(RevealForm),
        "revealed": None,
        "health_form": SimpleLazyObject(HealthAddForm),
        "book_url": _book_url(request) if client.status != ClientStatus.WITHDRAWN else "",
        "record_url": _record_url(request, client),
        "upcoming": _upcoming(request, client),
        "sections": [
            part
            for section in selectors.FILE_SECTIONS.values()
            if (part := section(actor=request.user, store=request.store, client=client))
        ],
        "can_review": client.status == ClientStatus.PENDING
        and selectors.scope(request.user, request.store, "approve") is not None
        and client.created_by_id != request.user.pk,
        **extra,
    }
    return render(request, "clients/detail.html", context, status=status)


@_remembering
def client_consent(request, code):
    """Record a consent given later, or withdrawn (PRV-1): its own page, linked from the file."""
    client = selectors.client_get(
        actor=request.user, store=request.store, code=code, action="change", request=request
    )
    form = ConsentChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.consent_change(
                actor=request.user, store=request.store, code=code, request=request,
                **form.cleaned_data,
            )  # fmt: skip
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            data = form.cleaned_data
            text = (
                _("Recorded: %(name)s gave consent to %(kind)s.")
                if data["action"] == Consent.Action.GRANT
                else _("Recorded: %(name)s withdrew consent to %(kind)s.")
            )
            kind = Consent.Kind(data["kind"]).label
            messages.success(request, text % {"name": client.name, "kind": kind})
            return redirect("clients:detail", code=code)
    return render(
        request,
        "clients/consent.html",
        {"form": form, "client": client},
        status=400 if form.errors else 200,
    )


@_remembering
def client_health_add(request, code):
    """A practitioner adds health information learned during a service (CLI-3)."""
    if request.method != "POST":
        return redirect("clients:detail", code=code)
    client = selectors.client_get(
        actor=request.user, store=request.store, code=code, action="view_health", request=request
    )
    form = HealthAddForm(request.POST)
    if form.is_valid():
        try:
            services.health_add(
                actor=request.user, store=request.store, code=code, request=request,
                **form.cleaned_data,
            )  # fmt: skip
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("Added to the health file of %(name)s; the front desk is told.")
                % {"name": client.name},
            )
            return redirect("clients:detail", code=code)
    return _detail(request, client, status=400, health_form=form)


@_remembering
def client_review(request, code):
    """A supervisor activates a client waiting for review (CLI-2)."""
    if request.method != "POST":
        return redirect("clients:detail", code=code)
    try:
        client = services.client_review(
            actor=request.user, store=request.store, code=code, request=request
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("The file of %(name)s (%(code)s) is active.")
            % {"name": client.name, "code": client.code},
        )
    return redirect("clients:detail", code=code)


@_remembering
def client_settings(request):
    if selectors.scope(request.user, request.store, "approve") is None:
        raise PermissionDenied
    current = StoreClientSettings.for_store(request.store)
    form = ClientSettingsForm(
        request.POST or None, initial={"review_new_clients": current.review_new_clients}
    )
    if request.method == "POST" and form.is_valid():
        services.settings_update(
            actor=request.user, store=request.store, request=request, **form.cleaned_data
        )
        messages.success(request, _("Settings saved."))
        return redirect("clients:settings")
    return render(request, "clients/settings.html", {"form": form})


@_remembering
def data_quality(request):
    """STO-1: what to correct, as the task queue last computed it; "recompute" queues it again."""
    if selectors.scope(request.user, request.store, "change") != Scope.STORE:
        raise PermissionDenied
    data = request.POST if request.method == "POST" else request.GET
    form = QualityForm(data or None)
    months = form.cleaned_data["months"] if form.is_valid() else quality.DEFAULT_MONTHS
    if request.method == "POST" and form.is_valid():
        quality.request_compute(actor=request.user, store=request.store, months=months, force=True)
        messages.success(
            request,
            _("Recomputing the figures has been queued; reload this page shortly to see them."),
        )
        return redirect(f"{reverse('clients:quality')}?months={months}")
    report = selectors.data_quality(
        actor=request.user, store=request.store, months=months, request=request
    )
    return render(
        request,
        "clients/quality.html",
        {"form": form if data else QualityForm(), "report": report},
        status=400 if form.errors else 200,
    )


@_remembering
def client_export(request):
    if selectors.scope(request.user, request.store, "export") is None:
        raise PermissionDenied
    form = ExportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        content, _count = services.client_export(
            actor=request.user,
            store=request.store,
            fields=form.cleaned_data["fields"],
            purpose=form.cleaned_data["purpose"],
            request=request,
        )
        response = HttpResponse(
            content,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = 'attachment; filename="clients.xlsx"'
        return response
    return render(
        request, "clients/export.html", {"form": form}, status=400 if form.errors else 200
    )
