"""The pages without log-in: the public complaint page and the follow-up page (AUD-5).

Abuse resistance without a CAPTCHA: a limit per address and hour (``PublicAttempt``, a keyed
digest of the address, rows kept a day), a trap field hidden from people, a minimum time
between showing the form and sending it (signed stamp), and length limits on every field.
"""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from anxin.accounts.models import Store
from anxin.core.forms import add_errors

from . import selectors, services
from .forms import FollowForm, PublicComplaintForm
from .models import Complaint, ComplaintStep, ReportNote

TOO_MANY = 429


def _limited(request, template, context):
    context["limited"] = True
    return render(request, template, context, status=TOO_MANY)


def _render_public(request, store, form, status=200):
    form.fields.pop("website", None)  # the trap is written out by hand, hidden
    form.initial["started"] = PublicComplaintForm.stamp()
    if form.is_bound:
        form.data = form.data.copy()
        form.data["started"] = form.initial["started"]
    return render(
        request, "complaints/public.html", {"form": form, "public_store": store}, status=status
    )


@login_not_required
def public_complaint(request, store_code):
    store = Store.objects.filter(short_code=store_code.upper(), active=True).first()
    if store is None:
        raise Http404
    if request.method != "POST":
        return _render_public(request, store, PublicComplaintForm())
    if not services.public_attempt_allowed(request, page="complaint"):
        return _limited(request, "complaints/public.html", {"public_store": store})
    form = PublicComplaintForm(request.POST)
    if form.is_valid():
        elapsed = form.elapsed()
        if form.cleaned_data.get("website"):
            form.add_error(None, _("This form could not be accepted. Please try again later."))
        elif elapsed is None or elapsed < settings.ANXIN_PUBLIC_COMPLAINT_MIN_SECONDS:
            form.add_error(
                None, _("The form was sent too quickly. Please check it and send it again.")
            )
        else:
            data = form.cleaned_data
            try:
                complaint, secret = services.complaint_public(
                    store=store,
                    subject=data["subject"],
                    description=data["description"],
                    contact_name=data.get("contact_name", ""),
                    contact_phone=data.get("contact_phone", ""),
                    request=request,
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                return render(
                    request,
                    "complaints/public_done.html",
                    {"case": complaint, "secret": secret, "public_store": store},
                )
    return _render_public(request, store, form, status=400)


def _timeline(case):
    """What the complainant may read: the states and dates, and what they were told."""
    if isinstance(case, Complaint):
        steps = ComplaintStep.objects.filter(complaint=case).exclude(action="compensate")
        return [
            {
                "at": s.at,
                "state": s.get_state_after_display(),
                "told": s.note if s.action == "feedback" else "",
            }
            for s in steps
            if s.action in ("receive", "accept", "investigate", "rectify", "feedback", "close")
        ]
    notes = ReportNote.objects.filter(report=case)
    rows = [{"at": None, "date": case.received_on, "state": _("received"), "told": ""}]
    rows += [{"at": n.at, "state": n.get_state_after_display(), "told": ""} for n in notes]
    return rows


@login_not_required
def follow(request):
    form = FollowForm(request.POST or None)
    if request.method == "POST":
        if not services.public_attempt_allowed(request, page="follow"):
            return _limited(request, "complaints/follow.html", {"form": FollowForm()})
        if form.is_valid():
            case = selectors.public_case(
                reference=form.cleaned_data["reference"], secret=form.cleaned_data["secret"]
            )
            if case is not None:
                return render(
                    request,
                    "complaints/follow_case.html",
                    {"case": case, "timeline": _timeline(case)},
                )
            form.add_error(None, _("No case matches this reference number and secret. Check both."))
        return render(request, "complaints/follow.html", {"form": form}, status=400)
    return render(request, "complaints/follow.html", {"form": form})
