"""Complaint pages for staff: the list, intake, a case with its steps, the store's limit."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.permissions import (
    APPROVE_CHANGES,
    HANDLE_COMPLAINTS,
    MANAGE_STORE,
    TAKE_COMPLAINTS,
    VIEW_COMPLAINTS,
)
from anxin.audit.services import use_log
from anxin.core.forms import add_errors

from . import analysis, selectors, services
from .forms import (
    AdvanceForm,
    AssignForm,
    CompensationOfferForm,
    ComplaintForm,
    DismissForm,
    LimitForm,
    PeriodForm,
)
from .models import NEXT_STATE, ComplainantKind, Complaint, State


def _perms(request):
    return request.user.permissions_in(request.store)


def complaint_list(request):
    if VIEW_COMPLAINTS not in _perms(request):
        raise PermissionDenied
    state = request.GET.get("state", "")
    page = selectors.complaint_list(
        actor=request.user,
        store=request.store,
        state=state,
        after=request.GET.get("after") or None,
        before=request.GET.get("before") or None,
        oldest=bool(request.GET.get("oldest")),
        request=request,
    )
    perms = _perms(request)
    return render(
        request,
        "complaints/list.html",
        {
            "complaints": page.object_list,
            "page_obj": page,
            "state": state if state in State.values else "",
            "states": State.choices,
            "can_take": TAKE_COMPLAINTS in perms,
            "can_set_limit": MANAGE_STORE in perms,
        },
    )


def _resolve_codes(request, form):
    """The client and the appointment named by code, in this store; errors on the form."""
    from anxin.clients.models import Client
    from anxin.scheduling.models import Appointment

    data = form.cleaned_data
    client = appointment = None
    code = data.get("client_code", "").strip().upper()
    if data.get("complainant_kind") == ComplainantKind.CLIENT and code:
        client = Client.objects.filter(store=request.store, code=code).first()
        if client is None:
            form.add_error("client_code", _("No client with this code in this store."))
    code = data.get("appointment_code", "").strip().upper()
    if code:
        appointment = Appointment.objects.filter(store=request.store, code=code).first()
        if appointment is None:
            form.add_error("appointment_code", _("No appointment with this code in this store."))
    return client, appointment


def complaint_new(request):
    if TAKE_COMPLAINTS not in _perms(request):
        raise PermissionDenied
    form = ComplaintForm(request.POST or None, store=request.store)
    if request.method == "POST" and form.is_valid():
        client, appointment = _resolve_codes(request, form)
        if not form.errors:
            data = form.cleaned_data
            try:
                complaint = services.complaint_take(
                    actor=request.user,
                    store=request.store,
                    channel=data["channel"],
                    complainant_kind=data["complainant_kind"],
                    client=client,
                    complainant_staff=data.get("complainant_staff"),
                    contact_name=data.get("contact_name", ""),
                    contact_phone=data.get("contact_phone", ""),
                    subject=data["subject"],
                    practitioner=data.get("practitioner"),
                    appointment=appointment,
                    description=data["description"],
                    severity=data["severity"],
                    owner=data.get("owner"),
                    due_on=data.get("due_on"),
                    request=request,
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Complaint %(reference)s recorded.") % {"reference": complaint.reference},
                )
                return redirect("complaints:detail", pk=complaint.pk)
    return render(
        request, "complaints/new.html", {"form": form}, status=400 if form.errors else 200
    )


def _forms(request, complaint, data=None, which=""):
    store = request.store

    def bound(name):
        return data if which == name else None

    return {
        "advance": AdvanceForm(bound("advance"), prefix="advance"),
        "dismiss": DismissForm(bound("dismiss"), prefix="dismiss"),
        "assign": AssignForm(
            bound("assign"),
            prefix="assign",
            store=store,
            initial={
                "owner": complaint.owner_id,
                "due_on": complaint.due_on,
                "severity": complaint.severity,
            },
        ),
        "compensate": CompensationOfferForm(bound("compensate"), prefix="compensate"),
    }


def _act(request, complaint, which, data):
    common = {"actor": request.user, "store": request.store, "complaint": complaint}
    common["request"] = request
    if which == "advance":
        to_state = NEXT_STATE.get(complaint.state, "")
        done = services.complaint_advance(**common, to_state=to_state, note=data["note"])
        return _("Complaint %(reference)s is now: %(state)s.") % {
            "reference": done.reference,
            "state": done.get_state_display(),
        }
    if which == "accept":
        services.complaint_accept(**common)
        return _("Draft %(reference)s accepted as a complaint.") % {
            "reference": complaint.reference
        }
    if which == "dismiss":
        services.complaint_dismiss(**common, note=data["note"])
        return _("Draft %(reference)s dismissed.") % {"reference": complaint.reference}
    if which == "assign":
        services.complaint_assign(
            **common, owner=data.get("owner"), due_on=data.get("due_on"), severity=data["severity"]
        )
        return _("Owner, due date and severity of %(reference)s saved.") % {
            "reference": complaint.reference
        }
    comp = services.compensation_offer(
        **common, amount=data["amount"], form=data["form"], note=data.get("note", "")
    )
    if comp.state == "pending":
        return _("Compensation proposed: it waits for a second person's approval.")
    return _("Compensation of %(amount)s yuan recorded.") % {"amount": comp.amount}


def complaint_detail(request, pk):
    complaint = selectors.complaint_get(
        actor=request.user, store=request.store, pk=pk, request=request
    )
    perms = _perms(request)
    which = request.POST.get("form", "") if request.method == "POST" else ""
    forms = _forms(request, complaint, request.POST if which else None, which)
    status = 200
    if request.method == "POST":
        if which not in ("advance", "accept", "dismiss", "assign", "compensate"):
            return HttpResponseBadRequest()
        form = forms.get(which)
        if form is None or form.is_valid():
            try:
                done = _act(request, complaint, which, form.cleaned_data if form else {})
            except ValidationError as exc:
                if form is None:
                    messages.error(request, " ".join(exc.messages))
                    return redirect("complaints:detail", pk=complaint.pk)
                add_errors(form, exc)
            else:
                messages.success(request, done)
                return redirect("complaints:detail", pk=complaint.pk)
        status = 400
    contact = {}
    if complaint.complainant_kind == ComplainantKind.NAMED and HANDLE_COMPLAINTS in perms:
        contact = {"name": complaint.contact_name, "phone": complaint.contact_phone}
        use_log(
            actor=request.user,
            action="view_contact",
            instance=complaint,
            request=request,
            store=request.store,
        )
    next_state = NEXT_STATE.get(complaint.state)
    return render(
        request,
        "complaints/detail.html",
        {
            "complaint": complaint,
            "steps": complaint.steps.select_related("by"),
            "compensations": complaint.compensations.select_related(
                "approved_by", "proposed_by", "change"
            ),
            "forms": forms,
            "failed": which if status == 400 else "",
            "can_handle": HANDLE_COMPLAINTS in perms,
            "can_approve": APPROVE_CHANGES in perms,
            "next_state": next_state,
            "next_label": State(next_state).label if next_state else "",
            "contact": contact,
            "limit": services.store_settings(request.store).compensation_limit,
            "today": timezone.localdate(),
        },
        status=status,
    )


def complaint_settings(request):
    if MANAGE_STORE not in _perms(request):
        raise PermissionDenied
    current = services.store_settings(request.store)
    form = LimitForm(
        request.POST or None, initial={"compensation_limit": current.compensation_limit}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.settings_update(
                actor=request.user,
                store=request.store,
                compensation_limit=form.cleaned_data["compensation_limit"],
                request=request,
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Compensation limit saved."))
            return redirect("complaints:list")
    return render(
        request, "complaints/settings.html", {"form": form}, status=400 if form.errors else 200
    )


def complaint_analysis(request):
    from anxin.accounts.permissions import ANALYSE_COMPLAINTS

    if ANALYSE_COMPLAINTS not in _perms(request):
        raise PermissionDenied
    today = timezone.localdate()
    default = {"start": today.replace(day=1).replace(year=today.year - 1), "end": today}
    form = PeriodForm(request.GET or None, initial=default)
    period = default
    if request.GET:
        if form.is_valid():
            period = {"start": form.cleaned_data["start"], "end": form.cleaned_data["end"]}
        else:
            return render(
                request, "complaints/analysis.html", {"form": form, "result": None}, status=400
            )
    result = analysis.analyse(actor=request.user, store=request.store, request=request, **period)
    return render(
        request,
        "complaints/analysis.html",
        {"form": form, "result": result, "period": period, "Complaint": Complaint},
    )
