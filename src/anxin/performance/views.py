from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anxin.accounts.names import person_name
from anxin.accounts.policy import scope_for
from anxin.core.post_only import post_only

from . import selectors, services
from .forms import DisputeForm, MonthForm, ResolveForm
from .models import Review


def _month(request):
    form = MonthForm(request.GET or {"month": timezone.localdate().strftime("%Y-%m")})
    if form.is_valid():
        return form, form.cleaned_data["month"], 200
    return form, timezone.localdate().replace(day=1), 400


def month(request):
    if scope_for(request.user, request.store, services.RECORD, "view") is None:
        raise PermissionDenied
    form, chosen, status = _month(request)
    rows = list(
        selectors.reviews(actor=request.user, store=request.store, month=chosen, request=request)
    )
    selectors.attach_commissions(rows, actor=request.user, store=request.store, month=chosen)
    return render(
        request,
        "performance/month.html",
        {
            "form": form,
            "month": chosen,
            "rows": rows,
            "can_publish": scope_for(request.user, request.store, services.RECORD, "create")
            is not None,
            "can_resolve": scope_for(request.user, request.store, services.RECORD, "change")
            is not None,
            "dispute_form": DisputeForm(),
            "resolve_form": ResolveForm(),
        },
        status=status,
    )


@post_only(form_at=lambda request: reverse("performance:month"))
def publish(request):
    form = MonthForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a month as year and month, e.g. 2026-11."))
        return redirect("performance:month")
    try:
        done = services.publish(
            actor=request.user,
            store=request.store,
            month=form.cleaned_data["month"],
            request=request,
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("Published to %(n)s people (%(term)s).")
            % {"n": len(done), "term": request.store.practitioner_term},
        )
    return redirect(f"/performance/?month={form.cleaned_data['month']:%Y-%m}")


@post_only(
    button=gettext_lazy("Confirm my figures"),
    form_at=lambda request, pk, what: None if what == "confirm" else reverse("performance:month"),
)
def answer(request, pk, what):
    review = get_object_or_404(Review, pk=pk, store=request.store)
    back = f"/performance/?month={review.month:%Y-%m}"
    try:
        if what == "confirm":
            services.confirm(actor=request.user, review=review, request=request)
        elif what == "dispute":
            form = DisputeForm(request.POST)
            services.dispute(
                actor=request.user,
                review=review,
                comment=form.data.get("comment", ""),
                request=request,
            )
        elif what == "resolve":
            services.resolve(
                actor=request.user,
                review=review,
                resolution=request.POST.get("resolution", ""),
                request=request,
            )
        else:
            raise PermissionDenied
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        done = {
            "confirm": _("Confirmed the figures of %(name)s for %(month)s."),
            "dispute": _("Disputed the figures of %(name)s for %(month)s."),
            "resolve": _("Resolved the dispute on the figures of %(name)s for %(month)s."),
        }[what]
        messages.success(
            request,
            done
            % {
                "name": person_name(review.practitioner, request.store),
                "month": f"{review.month:%Y-%m}",
            },
        )
    return redirect(back)
