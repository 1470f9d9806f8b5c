"""``post_only``: ``require_POST`` for actions a person starts with a button.

A POST-only page is still reached by GET in ordinary use: the session idled out while the
button was pressed, log-in sent the person on to ``next=`` — the action's own address — by GET; or
a reload, the back button, a bookmark. ``require_POST`` answers those with an empty 405 and the
action is silently lost. Here a GET (or HEAD) gets a small page holding the same action's form
and button instead, so one press completes it; or, for an action whose form has fields, a redirect
to the page that holds that form. Only the POST does anything, under the view's own checks and
CSRF protection: the confirmation page reads nothing and changes nothing.
"""

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

Label = str | Callable[..., str]

DEFAULT_BUTTON = gettext_lazy("Continue")


def post_only(
    view: Callable | None = None,
    *,
    button: Label = DEFAULT_BUTTON,
    form_at: Callable[..., str] | None = None,
    check: Callable[..., object] | None = None,
):
    """Run ``view`` on POST; on GET/HEAD offer the action again instead of answering 405.

    ``button``: the action's button label, or ``callable(request, **kwargs)`` giving it.
    ``form_at``: for an action whose form has fields, ``callable(request, **kwargs)`` giving the
    address of the page that holds that form (None: no fields, offer the button); a GET is sent
    there with a short explanation.
    ``check``: ``callable(request, **kwargs)`` that raises ``PermissionDenied`` for someone who
    may not do the action, so they are not offered its button either.
    """

    def decorate(view_func):
        @wraps(view_func)
        def wrapper(request, *args, **kwargs):
            if request.method == "POST":
                return view_func(request, *args, **kwargs)
            if request.method not in ("GET", "HEAD"):
                return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
            if check is not None:
                check(request, *args, **kwargs)
            target = form_at(request, *args, **kwargs) if form_at is not None else None
            if target is not None:
                messages.info(
                    request,
                    _("That action was not done yet. Fill in its form again and send it."),
                )
                return redirect(target)
            label = button(request, *args, **kwargs) if callable(button) else button
            return render(
                request,
                "core/post_only_confirm.html",
                {"button": label, "action": request.get_full_path()},
            )

        wrapper.post_only = True
        return wrapper

    if view is not None:
        return decorate(view)
    return decorate
