from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST

from .forms import LoginForm, StoreSwitchForm


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


@require_POST
def store_switch(request):
    """Choose which of one's stores the session works in."""
    form = StoreSwitchForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest()
    if request.user.stores().filter(pk=form.cleaned_data["store"]).exists():
        request.session["store_id"] = form.cleaned_data["store"]
    return redirect("core:home")
