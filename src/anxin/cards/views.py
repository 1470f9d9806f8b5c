"""Membership card pages (POS-2): thin views over the selectors and services."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.permissions import MANAGE_CARD_TYPES
from anxin.core.forms import add_errors
from anxin.core.money import format_yuan
from anxin.core.paging import keyset_page_for

from . import selectors, services
from .forms import (
    CardTypeForm,
    IssueForm,
    LiabilityForm,
    RefundForm,
    ReverseForm,
    TopUpForm,
    TransferForm,
)
from .models import CardKind, CardMovement, CardType
from .report import liability_xlsx

LEDGER_PAGE_SIZE = 50


def _require(request, action: str) -> None:
    if not selectors.can(request.user, request.store, action):
        raise PermissionDenied


def _money(value) -> str:
    return _("%(amount)s yuan") % {"amount": format_yuan(value)}


def card_list(request):
    _require(request, "view")
    query = request.GET.get("q", "")[:40]
    cards = selectors.card_list(actor=request.user, store=request.store, query=query)
    page = Paginator(cards, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "cards/list.html",
        {
            "page_obj": page,
            "query": query,
            "can_issue": selectors.can(request.user, request.store, "create"),
        },
    )


def card_new(request):
    _require(request, "create")
    from anxin.clients.selectors import client_get

    form = IssueForm(
        request.POST or None,
        store=request.store,
        initial={"client_code": request.GET.get("client", "")[:12]},
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            client = client_get(
                actor=request.user,
                store=request.store,
                code=data["client_code"].strip().upper(),
                request=request,
            )
            try:
                card = services.card_issue(
                    actor=request.user,
                    store=request.store,
                    client=client,
                    card_type=data["card_type"],
                    paid=data.get("paid"),
                    seller=data.get("seller"),
                    request=request,
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Card %(number)s (%(type)s) issued to %(name)s.")
                    % {"number": card.number, "type": card.card_type.name, "name": client.name},
                )
                return redirect("cards:detail", number=card.number)
    return render(request, "cards/new.html", {"form": form}, status=status)


def card_detail(request, number):
    card = selectors.card_get(
        actor=request.user, store=request.store, number=number, request=request
    )
    can_change = selectors.can(request.user, request.store, "change")
    # Keyset pages of the ledger, newest first (issue 11: the busiest card's three years were
    # one page); the balance above is still the sum of every line.
    ledger = keyset_page_for(
        request, selectors.card_ledger(card), order=("-seq",), size=LEDGER_PAGE_SIZE
    )
    reversed_ids = set(
        CardMovement.objects.filter(
            card=card, reverses__in=[m.pk for m in ledger.object_list]
        ).values_list("reverses_id", flat=True)
    )
    return render(
        request,
        "cards/detail.html",
        {
            "card": card,
            "ledger": ledger,
            "page_obj": ledger,
            "reversed_ids": reversed_ids,
            "can_change": can_change and card.state == "active",
            "can_reverse": can_change,
            "kinds": CardKind,
            "today": timezone.localdate(),
        },
    )


def _card_action(request, number, form_class, template, act, done, *, form_kwargs=None):
    card = selectors.card_get(
        actor=request.user, store=request.store, number=number, action="change", request=request
    )
    form = form_class(request.POST or None, **(form_kwargs or {}))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                result = act(card, form.cleaned_data)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, done(card, result))
                return redirect("cards:detail", number=card.number)
    return render(request, template, {"card": card, "form": form}, status=status)


def card_top_up(request, number):
    def act(card, data):
        return services.card_top_up(
            actor=request.user,
            store=request.store,
            card=card,
            paid=data["paid"],
            seller=data.get("seller"),
            request=request,
        )

    def done(card, result):
        paid, bonus = result
        text = _("Topped up card %(number)s with %(amount)s.") % {
            "number": card.number,
            "amount": _money(paid.amount),
        }
        if bonus is not None:
            text += " " + _("Bonus: %(amount)s.") % {"amount": _money(bonus.amount)}
        return (
            text
            + " "
            + _("Balance: %(amount)s.") % {"amount": _money((bonus or paid).balance_after)}
        )

    return _card_action(
        request,
        number,
        TopUpForm,
        "cards/top_up.html",
        act,
        done,
        form_kwargs={"store": request.store},
    )


def card_transfer(request, number):
    def act(card, data):
        target = (
            selectors.scoped_cards(actor=request.user, store=request.store, action="change")
            .filter(number=data["to_card"].strip().upper())
            .first()
        )
        if target is None:
            raise ValidationError({"to_card": _("No card with this number in this store.")})
        return services.card_transfer(
            actor=request.user,
            store=request.store,
            from_card=card,
            to_card=target,
            amount=data.get("amount"),
            sessions=data.get("sessions"),
            from_consent=data["from_consent"],
            to_consent=data["to_consent"],
            from_channel=data["from_channel"],
            to_channel=data["to_channel"],
            request=request,
        )

    def done(card, transfer):
        if transfer.sessions:
            what = _("%(n)s sessions") % {"n": transfer.sessions}
        else:
            what = _money(transfer.amount)
        return _("Transferred %(what)s from card %(from)s to card %(to)s.") % {
            "what": what,
            "from": card.number,
            "to": transfer.to_card.number,
        }

    return _card_action(request, number, TransferForm, "cards/transfer.html", act, done)


def card_refund(request, number):
    def act(card, data):
        return services.card_refund(
            actor=request.user,
            store=request.store,
            card=card,
            amount=data.get("amount"),
            reason=data["reason"],
            request=request,
        )

    def done(card, moved):
        return _("Refunded card %(number)s: %(amount)s taken off, %(cash)s paid back.") % {
            "number": card.number,
            "amount": _money(-moved.amount),
            "cash": _money(-moved.cash),
        }

    return _card_action(request, number, RefundForm, "cards/refund.html", act, done)


def movement_reverse(request, number, seq):
    card = selectors.card_get(
        actor=request.user, store=request.store, number=number, action="change", request=request
    )
    movement = get_object_or_404(CardMovement, card=card, seq=seq)
    form = ReverseForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.reverse_charge(
                    movement=movement,
                    user=request.user,
                    reason=form.cleaned_data["reason"],
                    request=request,
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Line %(seq)s of card %(number)s reversed.")
                    % {"seq": seq, "number": card.number},
                )
                return redirect("cards:detail", number=card.number)
    return render(
        request,
        "cards/reverse.html",
        {"card": card, "movement": movement, "form": form},
        status=status,
    )


# -- card types (the manager) ----------------------------------------------------------------


def _require_types(request):
    if MANAGE_CARD_TYPES not in request.user.permissions_in(request.store):
        raise PermissionDenied


def type_list(request):
    _require_types(request)
    types = selectors.card_types(store=request.store)
    return render(request, "cards/types.html", {"types": types})


def type_edit(request, pk=None):
    _require_types(request)
    instance = None
    if pk is not None:
        instance = CardType.objects.filter(store=request.store, pk=pk).first()
        if instance is None:
            raise Http404
    form = CardTypeForm(request.POST or None, instance=instance, store=request.store)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k not in ("items", "bonus_text")}
            data["bonus_rules"] = form.cleaned_data["bonus_text"]
            try:
                saved = services.card_type_save(
                    actor=request.user,
                    store=request.store,
                    card_type=instance,
                    items=form.cleaned_data["items"],
                    request=request,
                    **data,
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Card type “%(name)s” saved.") % {"name": saved.name})
                return redirect("cards:types")
    return render(
        request, "cards/type_form.html", {"form": form, "instance": instance}, status=status
    )


# -- the monthly card-liability report (manager, finance) ------------------------------------


def liability(request):
    today = timezone.localdate()
    form = LiabilityForm(request.GET or {"year": today.year})
    year = form.cleaned_data["year"] if form.is_valid() else today.year
    lines = selectors.liability_report(
        actor=request.user, store=request.store, year=year, request=request
    )
    if any(not line.reconciled for line in lines):
        services.liability_alert(store=request.store, lines=lines)
    if request.GET.get("format") == "xlsx" and form.is_valid():
        response = HttpResponse(
            liability_xlsx(lines),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="card-liability-{year}.xlsx"'
        return response
    return render(
        request,
        "cards/liability.html",
        {"form": form, "lines": lines, "year": year, "columns": selectors.FLOW_COLUMNS},
        status=200 if form.is_valid() else 400,
    )
