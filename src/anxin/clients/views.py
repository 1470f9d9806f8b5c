from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from anxin.accounts.policy import scope_for
from anxin.audit.services import use_log

from . import selectors, services
from .forms import ClientForm, ExportForm, RevealForm
from .selectors import RECORD


def client_list(request):
    if scope_for(request.user, request.store, RECORD, "view") is None:
        raise PermissionDenied
    clients = list(selectors.client_list(actor=request.user, store=request.store)[:200])
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
    can_create = scope_for(request.user, request.store, RECORD, "create") is not None
    can_export = scope_for(request.user, request.store, RECORD, "export") is not None
    return render(
        request,
        "clients/list.html",
        {"clients": clients, "can_create": can_create, "can_export": can_export},
    )


def client_detail(request, code):
    client = selectors.client_get(
        actor=request.user, store=request.store, code=code, request=request
    )
    view = selectors.client_view(
        actor=request.user, store=request.store, client=client, request=request
    )
    return render(
        request,
        "clients/detail.html",
        {"view": view, "client": client, "reveal_form": RevealForm(), "revealed": None},
    )


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
        view = selectors.client_view(
            actor=request.user, store=request.store, client=client, request=request
        )
        return render(
            request,
            "clients/detail.html",
            {"view": view, "client": client, "reveal_form": form, "revealed": None},
            status=400,
        )
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
    view = selectors.client_view(
        actor=request.user, store=request.store, client=client, request=request
    )
    labels = {"phone": _("phone"), "id_number": _("ID number"), "address": _("address")}
    return render(
        request,
        "clients/detail.html",
        {
            "view": view,
            "client": client,
            "reveal_form": RevealForm(),
            "revealed": (labels[field], value),
        },
    )


def client_new(request):
    if scope_for(request.user, request.store, RECORD, "create") is None:
        raise PermissionDenied
    form = ClientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            client = services.client_create(
                actor=request.user, store=request.store, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Client %(code)s registered.") % {"code": client.code})
            return redirect("clients:detail", code=client.code)
    return render(request, "clients/new.html", {"form": form}, status=400 if form.errors else 200)


def client_export(request):
    if scope_for(request.user, request.store, RECORD, "export") is None:
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
