import functools
import time
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from anxin.core import home

from . import sessions
from .passwords import DENGBAO
from .security import requires_second_factor

# Paths that must work before the second factor or a password change: nothing holding data.
EXEMPT_PREFIXES = (
    "/accounts/login/",
    "/accounts/logout/",
    "/accounts/2fa/",
    "/accounts/password/",
    "/healthz",
    "/i18n/",
    "/static/",
)


class CurrentStoreMiddleware:
    """Sets ``request.store``: the store the user chose in this session, else their first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.store = None
        request.stores = []
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            user._permissions_memo = {}  # read once per request (User.permissions_in)
            user._roles_memo = []  # the assignments, read once per request (assigned_roles)
            stores = list(user.stores())
            request.stores = stores
            chosen = request.session.get("store_id")
            request.store = next(
                (s for s in stores if s.pk == chosen), stores[0] if stores else None
            )
        return self.get_response(request)


class SessionLimitsMiddleware:
    """Idle timeout (30 minutes) and absolute lifetime (12 hours) of a session, server-side.

    The rules are in ``sessions.py``. A session that has ended sends the person to log in with
    ``next`` (the address they asked for, query included) and the reason, which the log-in page
    explains; a POST-only action asked for again by that ``next`` offers its button again
    (``core/post_only.py``). Asking for the session's state (``GET /accounts/session/state/``,
    the idle warning's check) is not activity."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            reason = sessions.ended(request, now)
            if reason:
                logout(request)
                return _to_login(request, reason)
            if not (request.method in ("GET", "HEAD") and request.path == _session_path()):
                sessions.touch(request, now)
            if request.method == "POST":
                home.changed(request)  # what the home keeps for them is worked out again
        return self.get_response(request)


def _to_login(request, reason: str) -> HttpResponse:
    """To log in, then back to the address asked for. A request made from a page by htmx (the
    live search) sends the whole page there, and back to that page, not to its fragment."""
    target = request.get_full_path()
    if request.headers.get("HX-Request"):
        page = urlsplit(request.headers.get("HX-Current-URL", ""))
        target = (page.path or "/") + (f"?{page.query}" if page.query else "")
    url = f"{reverse('accounts:login')}?{urlencode({'next': target, 'ended': reason})}"
    if request.headers.get("HX-Request"):
        response = HttpResponse()
        response["HX-Redirect"] = url
        return response
    return redirect(url)


@functools.cache
def _session_path() -> str:
    return reverse("accounts:session_state")


class SecondFactorMiddleware:
    """Administrators and holders of reveal/export permissions must pass TOTP in this session."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(EXEMPT_PREFIXES)
            and not user.is_verified()
            and requires_second_factor(user)
        ):
            return redirect(f"{reverse('accounts:otp')}?next={request.path}")
        return self.get_response(request)


class PasswordExpiryMiddleware:
    """In the 等保 profile, a password older than the expiry period must be changed first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from datetime import timedelta

        from django.utils import timezone

        user = getattr(request, "user", None)
        if (
            settings.ANXIN_PASSWORD_PROFILE == DENGBAO
            and user is not None
            and user.is_authenticated
            and not request.path.startswith(EXEMPT_PREFIXES)
        ):
            changed = user.password_changed_at
            limit = timedelta(days=settings.ANXIN_PASSWORD_EXPIRY_DAYS)
            if changed is None or timezone.now() - changed > limit:
                messages.warning(request, _("Your password has expired; please choose a new one."))
                return redirect("accounts:password_change")
        return self.get_response(request)
