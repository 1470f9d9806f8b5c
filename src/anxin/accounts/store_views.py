"""The store's settings page (kind of store, reminders, logo) and the logo itself."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from anxin.core.forms import add_errors

from . import services
from .forms import StoreSettingsForm
from .logo import CONTENT_TYPES
from .permissions import MANAGE_STORE


def store_settings(request):
    store = request.store
    if store is None or not request.user.has_store_perm(MANAGE_STORE, store):
        raise PermissionDenied
    form = StoreSettingsForm(request.POST or None, request.FILES or None, store=store)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.store_settings_update(
                actor=request.user,
                store=store,
                store_type=data["store_type"],
                reminder_names_service=data["reminder_names_service"],
                logo=data.get("logo"),
                remove_logo=bool(data.get("remove_logo")),
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request, _("The settings of %(store)s are saved.") % {"store": store.name}
            )
            return redirect("accounts:store_settings")
    return render(
        request,
        "accounts/store_settings.html",
        {"form": form, "store": store},
        status=400 if form.errors else 200,
    )


def store_logo(request):
    """The current store's logo, for the people signed in to that store (the header shows it)."""
    store = request.store
    if store is None or not store.logo:
        raise Http404
    kind = "png" if store.logo.name.endswith(".png") else "jpeg"
    try:
        handle = store.logo.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type=CONTENT_TYPES[kind])
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=86400"
    response["Content-Security-Policy"] = "default-src 'none'"
    return response
