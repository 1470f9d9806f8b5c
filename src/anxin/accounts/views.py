from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_otp import login as otp_login

from anxin.core.post_only import post_only

from . import login_throttle, otp
from .forms import LoginForm, OTPTokenForm, StoreSwitchForm


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

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
