"""The approvals inbox, one change's page, and proposing a role grant (SEC-5)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from anxin.accounts.names import person_name
from anxin.accounts.permissions import MANAGE_ACCOUNTS
from anxin.audit.models import UseOutcome
from anxin.audit.services import use_log
from anxin.core.forms import add_errors

from . import selectors, services
from .forms import DECISIONS, DecisionForm, RoleGrantForm
from .kinds import ROLE_GRANT

PURPOSE = "approval"  # stored as data, the same in every language


def _deny(request, record_id: str = "", *, not_found: bool = False):
    """Log the refused attempt (it alerts the supervisor), then answer 403, or 404 when the
    change is out of the caller's scope: no hint that it exists."""
    use_log(
        actor=request.user,
        action="view",
        record_type=services.RECORD_TYPE,
        record_id=record_id,
        outcome=UseOutcome.DENIED,
        request=request,
    )
    if not_found:
        raise Http404
    raise PermissionDenied


def _change_words(change, store) -> dict:
    """What a message says of a change: its number, kind, whom or what it is about (a person by
    name) and who proposed it."""
    target = selectors.change_target(change)
    return {
        "number": change.pk,
        "kind": selectors.kind_label(change.kind),
        "target": selectors.target_words(target, store) or change.target_label,
        "name": person_name(change.proposer, store),
    }


def inbox(request):
    if not selectors.can_use(request.user, request.store):
        _deny(request)
    lists = selectors.change_inbox(actor=request.user, store=request.store)
    return render(
        request,
        "approvals/inbox.html",
        {
            **lists,
            "can_decide": selectors.can_decide(request.user, request.store),
            "can_grant": request.user.has_store_perm(MANAGE_ACCOUNTS, request.store),
        },
    )


def detail(request, change_id: int):
    if not selectors.can_use(request.user, request.store):
        _deny(request, str(change_id))
    try:
        change = selectors.change_get(actor=request.user, store=request.store, change_id=change_id)
    except Http404:
        _deny(request, str(change_id), not_found=True)
    form = DecisionForm()
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in DECISIONS:
            return HttpResponseBadRequest()
        form = DecisionForm(request.POST, action=action)
        if form.is_valid():
            note = form.cleaned_data["note"]
            try:
                if action == "approve":
                    services.change_approve(
                        actor=request.user, change=change, note=note, request=request
                    )
                elif action == "reject":
                    services.change_reject(
                        actor=request.user, change=change, note=note, request=request
                    )
                else:
                    services.change_withdraw(
                        actor=request.user, change=change, note=note, request=request
                    )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                done = {
                    "approve": _(
                        "Approved and applied change no. %(number)s (%(kind)s: %(target)s), "
                        "proposed by %(name)s."
                    ),
                    "reject": _(
                        "Rejected change no. %(number)s (%(kind)s: %(target)s), "
                        "proposed by %(name)s."
                    ),
                    "withdraw": _("Withdrew change no. %(number)s (%(kind)s: %(target)s)."),
                }[action]
                messages.success(request, done % _change_words(change, request.store))
                return redirect("approvals:inbox")
        status = 400
        change.refresh_from_db()
    use_log(actor=request.user, action="view", instance=change, purpose=PURPOSE, request=request)
    target, rows = selectors.change_rows(change)
    return render(
        request,
        "approvals/detail.html",
        {
            "change": change,
            "kind_label": selectors.kind_label(change.kind),
            "target": target,
            "target_words": selectors.target_words(target, request.store),
            "rows": rows,
            "form": form,
            "may_decide": selectors.may_decide(request.user, change),
            "may_withdraw": change.is_pending and change.proposer_id == request.user.pk,
        },
        status=status,
    )


def role_grant_new(request):
    if not request.user.has_store_perm(MANAGE_ACCOUNTS, request.store):
        _deny(request)
    accounts = selectors.store_accounts(actor=request.user, store=request.store)
    form = RoleGrantForm(request.POST or None, accounts=accounts)
    if request.method == "POST" and form.is_valid():
        try:
            change = services.change_propose(
                actor=request.user,
                store=request.store,
                kind=ROLE_GRANT,
                target=form.cleaned_data["account"],
                payload={"role": form.cleaned_data["role"].key},
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                _(
                    "Proposed as change no. %(number)s (%(kind)s: %(target)s): it takes "
                    "effect once someone else approves it."
                )
                % _change_words(change, request.store),
            )
            return redirect("approvals:detail", change_id=change.pk)
    return render(
        request,
        "approvals/role_grant_form.html",
        {"form": form},
        status=400 if form.errors else 200,
    )
