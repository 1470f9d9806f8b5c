from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from anxin.core.forms import add_errors

from . import selectors, services
from .forms import (
    ItemEditForm,
    ItemForm,
    PriceProposalForm,
    PromotionForm,
)
from .models import ItemPrice


def _page(request, template, context, form=None):
    status = 400 if form is not None and form.errors else 200
    return render(request, template, context, status=status)


def item_list(request):
    if not selectors.works_in(request.user, request.store):
        raise PermissionDenied
    items = selectors.item_rows(actor=request.user, store=request.store)
    return render(
        request,
        "catalogue/item_list.html",
        {
            "items": items,
            "can_manage": selectors.can_manage_items(request.user, request.store),
            "can_promote": selectors.can_manage_promotions(request.user, request.store),
        },
    )


def item_detail(request, code):
    item = selectors.item_get(actor=request.user, store=request.store, code=code)
    can_manage = selectors.can_manage_items(request.user, request.store)
    return render(
        request,
        "catalogue/item_detail.html",
        {
            "item": item,
            "prices": ItemPrice.objects.filter(item=item).select_related(
                "set_by__staff_file", "approved_by__staff_file"
            ),
            "can_manage": can_manage,
        },
    )


def item_new(request):
    if not selectors.can_manage_items(request.user, request.store):
        raise PermissionDenied
    form = ItemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            item = services.item_create(
                actor=request.user, store=request.store, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                _("Service item %(name)s (%(code)s) saved.")
                % {"name": item.name, "code": item.code},
            )
            return redirect("catalogue:item_detail", code=item.code)
    return _page(request, "catalogue/item_form.html", {"form": form, "item": None}, form)


def item_edit(request, code):
    item = selectors.item_get(actor=request.user, store=request.store, code=code)
    if not selectors.can_manage_items(request.user, request.store):
        raise PermissionDenied
    form = ItemEditForm(request.POST or None, instance=item, prefix="item")
    price_form = PriceProposalForm(prefix="price", initial={"price": item.price})
    if request.method == "POST" and request.POST.get("action") == "price":
        form = ItemEditForm(instance=item, prefix="item")
        price_form = PriceProposalForm(request.POST, prefix="price")
        if price_form.is_valid():
            try:
                change = services.item_price_propose(
                    actor=request.user,
                    store=request.store,
                    item=item,
                    price=price_form.cleaned_data["price"],
                    reason=price_form.cleaned_data["reason"],
                    request=request,
                )
            except ValidationError as exc:
                add_errors(price_form, exc)
            else:
                messages.success(
                    request,
                    _(
                        "The new price of %(name)s is proposed (no. %(number)s); "
                        "it applies once approved."
                    )
                    % {"name": item.name, "number": change.pk},
                )
                return redirect("catalogue:item_detail", code=item.code)
        return _page(
            request,
            "catalogue/item_edit.html",
            {"form": form, "price_form": price_form, "item": item},
            price_form,
        )
    if request.method == "POST" and form.is_valid():
        item.refresh_from_db()
        try:
            services.item_update(
                actor=request.user,
                store=request.store,
                item=item,
                request=request,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                _("Service item %(name)s (%(code)s) saved.")
                % {"name": item.name, "code": item.code},
            )
            return redirect("catalogue:item_detail", code=item.code)
    return _page(
        request,
        "catalogue/item_edit.html",
        {"form": form, "price_form": price_form, "item": item},
        form,
    )


def promotion_list(request):
    if not selectors.works_in(request.user, request.store):
        raise PermissionDenied
    return render(
        request,
        "catalogue/promotion_list.html",
        {
            "promotions": selectors.promotion_list(actor=request.user, store=request.store),
            "can_manage": selectors.can_manage_promotions(request.user, request.store),
        },
    )


def promotion_detail(request, code):
    promotion = selectors.promotion_get(actor=request.user, store=request.store, code=code)
    return render(
        request,
        "catalogue/promotion_detail.html",
        {
            "promotion": promotion,
            "can_manage": selectors.can_manage_promotions(request.user, request.store),
        },
    )


def promotion_new(request):
    if not selectors.can_manage_promotions(request.user, request.store):
        raise PermissionDenied
    form = PromotionForm(request.POST or None, store=request.store)
    if request.method == "POST" and form.is_valid():
        try:
            promotion = services.promotion_create(
                actor=request.user, store=request.store, request=request, **form.service_data()
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                _("Promotion %(name)s (%(code)s) saved.")
                % {"name": promotion.name, "code": promotion.code},
            )
            return redirect("catalogue:promotion_detail", code=promotion.code)
    return _page(request, "catalogue/promotion_form.html", {"form": form, "promotion": None}, form)


def promotion_edit(request, code):
    promotion = selectors.promotion_get(actor=request.user, store=request.store, code=code)
    if not selectors.can_manage_promotions(request.user, request.store):
        raise PermissionDenied
    form = PromotionForm(request.POST or None, instance=promotion, store=request.store)
    if request.method == "POST" and form.is_valid():
        promotion.refresh_from_db()
        try:
            services.promotion_update(
                actor=request.user,
                store=request.store,
                promotion=promotion,
                request=request,
                **form.service_data(),
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                _("Promotion %(name)s (%(code)s) saved.")
                % {"name": promotion.name, "code": promotion.code},
            )
            return redirect("catalogue:promotion_detail", code=promotion.code)
    return _page(
        request, "catalogue/promotion_form.html", {"form": form, "promotion": promotion}, form
    )


def promotion_effect(request, code):
    promotion = selectors.promotion_get(actor=request.user, store=request.store, code=code)
    report = selectors.promotion_effect(
        actor=request.user, store=request.store, promotion=promotion, request=request
    )
    return render(
        request, "catalogue/promotion_effect.html", {"promotion": promotion, "report": report}
    )
