"""The HTTP API (read-only for now) and the page where people manage their own tokens.

API requests carry ``Authorization: Bearer anx_…``; no cookies, so no CSRF. They act as the
token's holder in the token's store and go through the same selectors as the pages: out of
scope is 404 and logged, exactly as in the browser.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from anxin.clients import selectors as client_selectors
from anxin.core.post_only import post_only
from anxin.crypto import masking

from . import services
from .forms import TokenForm
from .models import ApiToken
from .permissions import USE_API


def token_required(view):
    @login_not_required
    @csrf_exempt
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        header = request.headers.get("Authorization", "")
        scheme, _sep, raw = header.partition(" ")
        token = services.authenticate(raw.strip()) if scheme.lower() == "bearer" else None
        if token is None:
            response = JsonResponse({"error": "invalid or revoked token"}, status=401)
            response["WWW-Authenticate"] = 'Bearer realm="anxin"'
            return response
        request.user, request.store, request.api_token = token.user, token.store, token
        try:
            return view(request, *args, **kwargs)
        except Http404:
            return JsonResponse({"error": "not found"}, status=404)
        except PermissionDenied:
            return JsonResponse({"error": "not allowed"}, status=403)

    return wrapped


@token_required
@require_GET
def me(request):
    return JsonResponse(
        {
            "username": request.user.get_username(),
            "store": request.store.short_code,
            "roles": sorted(r.key for r in request.user.roles_in(request.store)),
        }
    )


@token_required
@require_GET
def client_detail(request, code):
    """A client's basic information, masked, from the same scoped selector as the page."""
    actor, store = request.user, request.store
    client = client_selectors.client_get(actor=actor, store=store, code=code, request=request)
    data = {"code": client.code, "name": client.name, "gender": client.gender}
    if (
        client_selectors.scoped_clients(actor=actor, store=store, action="view_contact")
        .filter(pk=client.pk)
        .exists()
    ):
        data["phone"] = masking.mask_phone(client.phone)
    return JsonResponse(data)


def tokens(request):
    if not request.user.has_store_perm(USE_API, request.store):
        raise PermissionDenied
    form = TokenForm(request.POST or None)
    new_token, status = None, 200
    if request.method == "POST":
        if form.is_valid():
            try:
                _row, new_token = services.token_create(
                    actor=request.user,
                    store=request.store,
                    name=form.cleaned_data["name"],
                    days=form.cleaned_data["days"],
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    for message in errors:
                        form.add_error(field if field in form.fields else None, message)
                status = 400
            else:
                form = TokenForm()
        else:
            status = 400
    rows = ApiToken.objects.filter(user=request.user).select_related("store")
    return render(
        request,
        "api/tokens.html",
        {"form": form, "rows": rows, "new_token": new_token},
        status=status,
    )


@post_only(button=gettext_lazy("Revoke the API token"))
def token_revoke(request, pk):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    services.token_revoke(actor=request.user, token=token)
    messages.success(request, _("Token revoked: %(name)s.") % {"name": token.name})
    return redirect("api:tokens")
