"""The till's pages: thin, one per action; selectors read, services write."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anxin.accounts.names import person_name
from anxin.accounts.policy import Scope
from anxin.audit.services import uses_with_change
from anxin.core.forms import add_errors
from anxin.core.post_only import post_only
from anxin.core.prepared import Prepared
from anxin.delivery.services import practitioners_of

from . import cards_bridge, selectors, services
from .access import BILL, CLOSE, PRODUCT, may, require
from .forms import (
    PRODUCT_ROWS,
    SERVICE_ROWS,
    CheckoutForm,
    CloseForm,
    DayForm,
    ProductForm,
    ReceiveForm,
    RefundForm,
    StocktakeForm,
)
from .models import E_PAYMENT, Method
from .templatetags.till import amount as amount_text

# -- checkout ------------------------------------------------------------------------------


def _client_from(request, form_data):
    """The client the checkout is for: from the form's text, or ``?client=KH…``."""
    from anxin.clients.selectors import client_resolve

    text = (form_data.get("client") or request.GET.get("client") or "").strip()[:80]
    if not text:
        return None, ""
    found = client_resolve(actor=request.user, store=request.store, text=text, request=request)
    return found.client, text


def _practitioners(store, pks=None) -> list:
    """Who may have given a walk-in service, with their staff file's name only (one query; the
    staff file's other fields are encrypted, and decrypting them per request cost a third of a
    checkout). ``pks``: only these (a POST is checked against what it names)."""
    if pks is not None:
        return _PRACTITIONERS_NAMED(store=store.pk, pks=sorted(pks)) if pks else []
    return list(_named(practitioners_of(store)))


def _named(queryset):
    from anxin.accounts.models import User

    fields = [f.name for f in User._meta.concrete_fields]
    return queryset.select_related("staff_file").only(
        *fields, "staff_file__name", "staff_file__user", "staff_file__code"
    )


_PRACTITIONERS_NAMED = Prepared(
    lambda store, pks: _named(practitioners_of(store).filter(pk__in=pks))
)


_LARGEST_KEY = 2**31 - 1


def _posted_keys(data, names) -> set[int]:
    """The ids a POST names in these fields (ids only: anything else is not one of the
    choices, which the form says)."""
    keys = set()
    for name in names:
        for value in data.getlist(name):
            value = value.strip()
            if value.isdigit() and int(value) <= _LARGEST_KEY:
                keys.add(int(value))
    return keys


def _checkout_form(request, data, client, text, *, posted_only=False):
    """The checkout form. ``posted_only`` (a POST): its choices are only what the POST names —
    the items, practitioners, products, unpaid services and (when a card pays) cards it
    posted — enough to validate it; the page itself is built with every choice."""
    store, user = request.store, request.user
    if posted_only:
        item_keys = _posted_keys(data, [f"item_{n}" for n in range(1, SERVICE_ROWS + 1)])
        people = _posted_keys(data, [f"practitioner_{n}" for n in range(1, SERVICE_ROWS + 1)])
        product_keys = _posted_keys(data, [f"product_{n}" for n in range(1, PRODUCT_ROWS + 1)])
        record_keys = _posted_keys(data, ["records"])
        records = (
            selectors.unbilled_services(actor=user, store=store, client=client, pks=record_keys)
            if record_keys
            else []
        )
        items = selectors.items_for_sale(actor=user, store=store, pks=item_keys)
        practitioners = _practitioners(store, people)
        products = selectors.products_for_sale(actor=user, store=store, pks=product_keys)
        cards = (
            cards_bridge.cards_for_checkout(user=user, client=client, store=store, balances=False)
            if (data.get("card_amount") or "").strip()
            else []
        )
    else:
        from anxin.catalogue.selectors import item_list

        records = selectors.unbilled_services(actor=user, store=store, client=client)
        items = list(item_list(actor=user, store=store, active_only=True))
        practitioners = _practitioners(store)
        products = selectors.products_with_stock(actor=user, store=store, active_only=True)
        cards = cards_bridge.cards_for_checkout(user=user, client=client, store=store)
    initial = {"client": text, "records": [str(r.pk) for r in records]}
    form = CheckoutForm(
        data,
        initial=initial,
        records=records,
        items=items,
        practitioners=practitioners,
        products=products,
        cards=cards,
        may_override=may(user, store, PRODUCT, "change"),
    )
    return form, records


def _lines(form, client):
    data = form.cleaned_data
    service_lines = [
        services.ServiceLine(record=form.record_objects[pk])
        for pk in data.get("records") or []
        if pk in form.record_objects
    ]
    for n in range(1, SERVICE_ROWS + 1):
        if data.get(f"item_{n}"):
            service_lines.append(
                services.ServiceLine(
                    item=form.item_objects.get(data[f"item_{n}"]),
                    practitioner=form.practitioner_objects.get(data[f"practitioner_{n}"]),
                    clock_type=data.get(f"clock_{n}") or "",
                )
            )
    product_lines = []
    for n in range(1, PRODUCT_ROWS + 1):
        if data.get(f"product_{n}"):
            product_lines.append(
                services.ProductLine(
                    product=form.product_objects.get(data[f"product_{n}"]),
                    quantity=data.get(f"quantity_{n}") or 1,
                )
            )
    return service_lines, product_lines


def _payments(form, store):
    data = form.cleaned_data
    out = []
    if data.get("cash"):
        out.append(services.PaymentIn(method=Method.CASH, amount=data["cash"]))
    if data.get("epay_amount"):
        out.append(
            services.PaymentIn(
                method=data["epay_method"],
                amount=data["epay_amount"],
                reference=data.get("epay_reference") or "",
            )
        )
    if data.get("voucher_amount"):
        out.append(
            services.PaymentIn(
                method=Method.VOUCHER,
                amount=data["voucher_amount"],
                voucher_code=data.get("voucher_code") or "",
            )
        )
    if data.get("card_amount"):
        key = data.get("card") or ""
        card = form.card_objects.get(key) or cards_bridge.card_by_key(store=store, key=key)
        if card is None:
            raise ValidationError(
                {"card": _("There is no card %(card)s in this store.") % {"card": key}}
            )
        out.append(services.PaymentIn(method=Method.CARD, amount=data["card_amount"], card=card))
    return out


def checkout(request):
    require(
        actor=request.user, store=request.store, record_type=BILL, action="create", request=request
    )
    if request.method != "POST":
        client, text = _client_from(request, {})
        form, records = _checkout_form(request, None, client, text)
        return _checkout_page(request, form, client, records, None, 200)
    # The client look-up's use entry is written in the bill's transaction (one wait for
    # SQLite's writer, not two), or on its own if no bill is written.
    with uses_with_change():
        return _checkout_post(request)


def _checkout_post(request):
    data = request.POST
    client, text = _client_from(request, data)
    quote, status = None, 200
    form, _records = _checkout_form(request, data, client, text, posted_only=True)
    if form.is_valid():
        service_lines, product_lines = _lines(form, client)
        try:
            if request.POST.get("action") == "pay":
                bill = services.bill_pay(
                    actor=request.user,
                    store=request.store,
                    client=client,
                    services=service_lines,
                    products=product_lines,
                    payments=_payments(form, request.store),
                    override_stock=bool(form.cleaned_data.get("override_stock")),
                    request=request,
                )
                messages.success(
                    request,
                    _("Bill %(number)s paid: %(total)s.")
                    % {"number": bill.number, "total": amount_text(bill.total)},
                )
                return redirect("till:bill", pk=bill.pk)
            quote = services.bill_quote(
                store=request.store,
                client=client,
                services=service_lines,
                products=product_lines,
            )
        except ValidationError as exc:
            add_errors(form, exc)
    if form.errors:
        status = 400
    # The page shows every choice: the form again with all of them, carrying what the
    # posted one found (its errors and cleaned values).
    checked = form
    form, records = _checkout_form(request, data, client, text)
    form._errors, form.cleaned_data = checked._errors, getattr(checked, "cleaned_data", {})
    return _checkout_page(request, form, client, records, quote, status)


def _checkout_page(request, form, client, records, quote, status):
    return render(
        request,
        "till/checkout.html",
        {"form": form, "client": client, "records": records, "quote": quote},
        status=status,
    )


# -- bills and receipts ----------------------------------------------------------------------


def _day(request):
    form = DayForm(request.GET or None)
    if form.is_bound and form.is_valid() and form.cleaned_data.get("day"):
        return form, form.cleaned_data["day"], 200
    return form, timezone.localdate(), 400 if form.is_bound and form.errors else 200


def bills(request):
    scope = require(
        actor=request.user, store=request.store, record_type=BILL, action="view", request=request
    )
    form, day, status = _day(request)
    if scope == Scope.OWN:
        first = day.replace(day=1)
        lines = list(
            selectors.my_lines(actor=request.user, store=request.store, first=first, last=day)
        )
        total = sum((line.amount for line in lines), start=services.Quote().subtotal)
        return render(
            request,
            "till/my_lines.html",
            {"form": form, "day": day, "first": first, "lines": lines, "total": total},
            status=status,
        )
    rows = selectors.bills_of_day(actor=request.user, store=request.store, day=day)
    return render(
        request,
        "till/bills.html",
        {
            "form": form,
            "day": day,
            "bills": rows,
            "can_checkout": may(request.user, request.store, BILL, "create"),
        },
        status=status,
    )


def _receipt_context(request, pk):
    bill, lines, full = selectors.bill_get(
        actor=request.user, store=request.store, pk=pk, request=request
    )
    return {
        "bill": bill,
        "lines": lines,
        "full": full,
        "payments": selectors.bill_payments(bill) if full else [],
        "cashier_name": person_name(bill.cashier, request.store),
        "refunds": list(bill.refunds.all()) if full else [],
    }


def bill(request, pk):
    context = _receipt_context(request, pk)
    b = context["bill"]
    refundable = [line for line in context["lines"] if not hasattr(line, "refunded_by")]
    if (
        context["full"]
        and b.kind == "sale"
        and refundable
        and may(request.user, request.store, BILL, "change")
    ):
        context["refund_form"] = RefundForm(lines=refundable, initial={"method": "original"})
    return render(request, "till/bill.html", context)


def receipt(request, pk):
    context = _receipt_context(request, pk)
    context["paper"] = "a4" if request.GET.get("paper") == "a4" else "80mm"
    return render(request, "till/receipt.html", context)


@post_only(form_at=lambda request, pk: reverse("till:bill", args=[pk]))
def refund(request, pk):
    bill_obj, lines, full = selectors.bill_get(
        actor=request.user, store=request.store, pk=pk, request=request
    )
    if not full:
        raise PermissionDenied
    refundable = [line for line in lines if not hasattr(line, "refunded_by")]
    form = RefundForm(request.POST, lines=refundable)
    if form.is_valid():
        try:
            change = services.refund_propose(
                actor=request.user,
                store=request.store,
                bill=bill_obj,
                lines=form.cleaned_data["lines"],
                method=form.cleaned_data["method"],
                amount=form.cleaned_data.get("amount"),
                reference=form.cleaned_data.get("reference") or "",
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                _(
                    "Refund of bill %(number)s requested (no. %(change)s): a second person approves it on the approvals page."
                )
                % {"number": bill_obj.number, "change": change.pk},
            )
            return redirect("till:bill", pk=bill_obj.pk)
    context = _receipt_context(request, pk)
    context["refund_form"] = form
    return render(request, "till/bill.html", context, status=400)


# -- daily totals and the close -------------------------------------------------------------


def days(request):
    scope = require(
        actor=request.user, store=request.store, record_type=CLOSE, action="view", request=request
    )
    today = timezone.localdate()
    first = today - dt.timedelta(days=13)
    rows = selectors.day_totals(actor=request.user, store=request.store, first=first, last=today)
    for row in rows:
        row["cashier_name"] = person_name(row["cashier"], request.store) if row["cashier"] else ""
    return render(
        request,
        "till/days.html",
        {
            "rows": rows,
            "first": first,
            "today": today,
            "whole_store": scope == Scope.STORE,
            "can_close": may(request.user, request.store, CLOSE, "create"),
        },
    )


def close(request):
    require(
        actor=request.user, store=request.store, record_type=CLOSE, action="create", request=request
    )
    today = timezone.localdate()
    expected = services.expected_cash(store=request.store, cashier=request.user, day=today)
    closed = services.day_is_closed(store=request.store, cashier=request.user, day=today)
    form = CloseForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and not closed:
        if form.is_valid():
            try:
                done = services.day_close(
                    actor=request.user,
                    store=request.store,
                    counted_cash=form.cleaned_data["counted_cash"],
                    reason=form.cleaned_data.get("reason") or "",
                    request=request,
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(
                    request,
                    _(
                        "Your day %(day)s is closed: expected %(expected)s, counted %(counted)s, difference %(difference)s."
                    )
                    % {
                        "day": done.day.isoformat(),
                        "expected": amount_text(done.expected_cash),
                        "counted": amount_text(done.counted_cash),
                        "difference": amount_text(done.difference),
                    },
                )
                return redirect("till:days")
        status = 400
    return render(
        request,
        "till/close.html",
        {"form": form, "expected": expected, "closed": closed, "today": today},
        status=status,
    )


# -- products and stock ---------------------------------------------------------------------


def products(request):
    require(
        actor=request.user, store=request.store, record_type=PRODUCT, action="view", request=request
    )
    low_only = request.GET.get("low") == "1"
    rows = selectors.products_with_stock(actor=request.user, store=request.store, low_only=low_only)
    return render(
        request,
        "till/products.html",
        {
            "products": rows,
            "low_only": low_only,
            "can_add": may(request.user, request.store, PRODUCT, "create"),
        },
    )


def product_new(request):
    require(
        actor=request.user,
        store=request.store,
        record_type=PRODUCT,
        action="create",
        request=request,
    )
    form = ProductForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                product = services.product_create(
                    actor=request.user, store=request.store, request=request, **form.cleaned_data
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Product %(name)s added.") % {"name": product.name})
                return redirect("till:product", pk=product.pk)
        status = 400
    return render(request, "till/product_form.html", {"form": form, "product": None}, status=status)


def product(request, pk):
    item = selectors.product_get(actor=request.user, store=request.store, pk=pk, request=request)
    can_receive = may(request.user, request.store, PRODUCT, "create")
    form = ReceiveForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if not can_receive:
            require(
                actor=request.user,
                store=request.store,
                record_type=PRODUCT,
                action="create",
                request=request,
            )
        if form.is_valid():
            try:
                services.stock_receive(
                    actor=request.user,
                    store=request.store,
                    product=item,
                    request=request,
                    **form.cleaned_data,
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("%(n)s %(unit)s of %(name)s received.")
                    % {"n": form.cleaned_data["quantity"], "unit": item.unit, "name": item.name},
                )
                return redirect("till:product", pk=item.pk)
        status = 400
    return render(
        request,
        "till/product.html",
        {
            "product": item,
            "movements": selectors.product_movements(item),
            "form": form if can_receive else None,
            "can_edit": may(request.user, request.store, PRODUCT, "change"),
        },
        status=status,
    )


def product_edit(request, pk):
    item = selectors.product_get(actor=request.user, store=request.store, pk=pk, request=request)
    require(
        actor=request.user,
        store=request.store,
        record_type=PRODUCT,
        action="change",
        request=request,
    )
    form = ProductForm(request.POST if request.method == "POST" else None, instance=item)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            changes = {name: form.cleaned_data[name] for name in form.changed_data}
            try:
                item = services.product_update(
                    actor=request.user,
                    store=request.store,
                    product=item,
                    request=request,
                    **changes,
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Product %(name)s saved.") % {"name": item.name})
                return redirect("till:product", pk=item.pk)
        status = 400
    return render(request, "till/product_form.html", {"form": form, "product": item}, status=status)


def stocktake(request):
    require(
        actor=request.user,
        store=request.store,
        record_type=PRODUCT,
        action="create",
        request=request,
    )
    rows = selectors.products_with_stock(actor=request.user, store=request.store, active_only=True)
    form = StocktakeForm(request.POST if request.method == "POST" else None, products=rows)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                take = services.stocktake_record(
                    actor=request.user,
                    store=request.store,
                    counts=form.counts(),
                    note=form.cleaned_data.get("note") or "",
                    request=request,
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                differences = [line for line in take.lines.all() if line.difference]
                messages.success(
                    request,
                    _("Stocktake saved: %(n)s counted, %(d)s with a difference.")
                    % {"n": take.lines.count(), "d": len(differences)},
                )
                return redirect("till:products")
        status = 400
    return render(request, "till/stocktake.html", {"form": form}, status=status)


__all__ = ["E_PAYMENT", "gettext_lazy"]
