import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django_otp import login as otp_login

from anxin.core.post_only import post_only

from . import login_throttle, otp, sessions
from .forms import LoginForm, OTPTokenForm, StoreSwitchForm


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["ended"] = _ended_message(self.request.GET.get("ended"))
        return context

    def form_valid(self, form):
        response = super().form_valid(form)
        login_throttle.remember_device(self.request, response, form.get_user().get_username())
        return response

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.has_error(NON_FIELD_ERRORS, "throttled"):
            response.status_code = 429
            if form.retry_after:
                response["Retry-After"] = str(form.retry_after)
        return response


def _ended_message(reason: str | None) -> str:
    """Why the last session ended, said on the log-in page it was sent to."""
    if reason == sessions.IDLE:
        minutes = settings.ANXIN_SESSION_IDLE_SECONDS // 60
        return ngettext(
            "You were signed out after %(minutes)d minute without activity; sign in to continue.",
            "You were signed out after %(minutes)d minutes without activity; sign in to continue.",
            minutes,
        ) % {"minutes": minutes}
    if reason == sessions.LIMIT:
        hours = settings.ANXIN_SESSION_ABSOLUTE_SECONDS // 3600
        return ngettext(
            "You were signed out because a session lasts at most %(hours)d hour; "
            "sign in to continue.",
            "You were signed out because a session lasts at most %(hours)d hours; "
            "sign in to continue.",
            hours,
        ) % {"hours": hours}
    return ""


class LogoutView(auth_views.LogoutView):
    pass


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"

    def get_success_url(self):
        return "/"

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Your password is changed."))
        return response


@post_only(form_at=lambda request: reverse("core:home"))
def store_switch(request):
    """Choose which of one's stores the session works in."""
    form = StoreSwitchForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest()
    if request.user.stores().filter(pk=form.cleaned_data["store"]).exists():
        request.session["store_id"] = form.cleaned_data["store"]
    return redirect("core:home")


@post_only(button=gettext_lazy("Stay signed in"))
def session_keepalive(request):
    """ "Stay signed in" from the idle warning (static/anxin/session.js): counts as activity.

    Answers JSON — the seconds left before the idle limit — to the page's script; a plain form
    post goes back to ``next``."""
    now = time.time()
    sessions.touch(request, now, force=True)
    if "application/json" not in request.headers.get("Accept", ""):
        return redirect(_safe_next(request))
    return JsonResponse(_session_state(request, now))


def session_state(request):
    """The session's idle state for the warning's check; asking is not activity (middleware)."""
    return JsonResponse(_session_state(request, time.time()))


def _session_state(request, now: float) -> dict:
    return {
        "remaining": max(0, int(sessions.idle_remaining(request, now))),
        "warning": settings.ANXIN_SESSION_WARNING_SECONDS,
    }


def _safe_next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return "/"


def otp_view(request):
    """Enrol a TOTP authenticator (first time) or verify a code for this session."""
    device = otp.device_for(request.user)
    enrolling = device is None
    if enrolling:
        device = otp.pending_device(request.user)
    form = OTPTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            if enrolling:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                messages.success(request, _("Your authenticator is set up."))
            otp_login(request, device)
            return redirect(_safe_next(request))
        form.add_error("token", _("That code is not right or has expired. Try the current one."))
    context = {"form": form, "enrolling": enrolling, "next": _safe_next(request)}
    if enrolling:
        context.update(secret=otp.secret_text(device), qr=otp.qr_data_uri(device))
    return render(request, "accounts/otp.html", context, status=400 if form.errors else 200)
