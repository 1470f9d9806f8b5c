"""Pages for incidents and breach response (PRV-7): the list, a new incident, and one page per
incident whose forms add actions, affected clients from the logs, the notice text and notices."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from anxin.clients.models import Client
from anxin.core.forms import NOT_DONE, add_errors, form_status, form_submit

from . import selectors_incidents as selectors
from . import services_affected
from . import services_incidents as services
from .forms_incidents import (
    ActionForm,
    IncidentForm,
    IncidentStateForm,
    NoticeRecordForm,
    NoticeTextForm,
    ReadsForm,
    RecordNumberForm,
    RegulatorForm,
)
from .models import Disclosure, IncidentAction, Transfer


def incident_list(request):
    incidents = selectors.incident_list(actor=request.user, store=request.store, request=request)
    return render(request, "privacy/incidents/list.html", {"incidents": incidents[:200]})


def incident_create(request):
    services.require(actor=request.user, store=request.store, action="create", request=request)
    form = IncidentForm(request.POST or None, store=request.store)
    incident = form_submit(
        request, form,
        lambda data: services.incident_create(
            actor=request.user, store=request.store, request=request, **data
        ),
    )  # fmt: skip
    if incident is not NOT_DONE:
        messages.success(request, _("Incident %(n)s recorded.") % {"n": incident.pk})
        return redirect("privacy:incident_detail", incident_id=incident.pk)
    return render(
        request, "privacy/incidents/new.html", {"form": form}, status=form_status(request)
    )


def _added(request, count: int) -> None:
    messages.success(
        request,
        ngettext(
            "%(n)s client added to the affected list.",
            "%(n)s clients added to the affected list.",
            count,
        )
        % {"n": count},
    )


def _handle(request, incident, which: str, forms: dict):
    """Run the posted form's service; True when done (redirect), else the form has errors."""
    store, actor = request.store, request.user
    kwargs = {"store": request.store} if which in ("action", "reads") else {}
    form_class = {
        "state": IncidentStateForm,
        "regulator": RegulatorForm,
        "action": ActionForm,
        "reads": ReadsForm,
        "transfer": RecordNumberForm,
        "disclosure": RecordNumberForm,
        "export": RecordNumberForm,
        "text": NoticeTextForm,
        "notice": NoticeRecordForm,
    }[which]
    form = form_class(request.POST, prefix=which, **kwargs)
    forms[which] = form
    if not form.is_valid():
        return False
    data = form.cleaned_data
    try:
        if which in ("state", "regulator"):
            services.incident_update(
                actor=actor, store=store, incident=incident, request=request, **data
            )
            messages.success(request, _("Incident updated."))
        elif which == "action":
            services.action_add(
                actor=actor, store=store, incident=incident, request=request, **data
            )
            messages.success(request, _("Action recorded."))
        elif which == "reads":
            _added(
                request,
                services_affected.affected_from_reads(
                    actor=actor, store=store, incident=incident, request=request, **data
                ),
            )
        elif which in ("transfer", "disclosure"):
            model = Transfer if which == "transfer" else Disclosure
            record = model.objects.filter(store=store, pk=data["number"]).first()
            if record is None:
                raise ValidationError({"number": _("This store has no record with that number.")})
            add = (
                services_affected.affected_from_transfer
                if which == "transfer"
                else services_affected.affected_from_disclosure
            )
            _added(
                request,
                add(
                    actor=actor, store=store, incident=incident, request=request, **{which: record}
                ),
            )
        elif which == "export":
            _added(
                request,
                services_affected.affected_from_export(
                    actor=actor,
                    store=store,
                    incident=incident,
                    entry_seq=data["number"],
                    request=request,
                ),
            )
        elif which == "text":
            text = services.notice_text_write(
                actor=actor, store=store, incident=incident, request=request, **data
            )
            messages.success(request, _("Notice text version %(v)s saved.") % {"v": text.version})
        elif which == "notice":
            client = Client.objects.filter(store=store, code=data["client"].strip().upper()).first()
            if client is None:
                raise ValidationError({"client": _("No client of this store has that code.")})
            services.notice_record(
                actor=actor, store=store, incident=incident, client=client,
                channel=data["channel"], delivered=data["delivered"], note=data["note"],
                request=request,
            )  # fmt: skip
            messages.success(request, _("Notice recorded."))
    except ValidationError as exc:
        if "number" not in getattr(exc, "error_dict", {}) and which in ("export",):
            exc = ValidationError({"number": exc.messages})
        add_errors(form, exc)
        return False
    return True


def incident_detail(request, incident_id: int):
    incident = selectors.incident_get(
        actor=request.user, store=request.store, incident_id=incident_id, request=request
    )
    forms = {}
    status = 200
    if request.method == "POST":
        which = request.POST.get("form", "")
        if which == "sms":
            try:
                sent = services.notices_send_sms(
                    actor=request.user, store=request.store, incident=incident, request=request
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(
                    request,
                    ngettext("%(n)s notice sent by SMS.", "%(n)s notices sent by SMS.", sent)
                    % {"n": sent},
                )
            return redirect("privacy:incident_detail", incident_id=incident.pk)
        if which == "done":
            number = request.POST.get("action", "")
            action = (
                IncidentAction.objects.filter(incident=incident, pk=int(number)).first()
                if number.isdigit()
                else None
            )
            if action is None:
                return HttpResponseBadRequest()
            services.action_done(
                actor=request.user, store=request.store, action=action, request=request
            )
            messages.success(request, _("Action marked done."))
            return redirect("privacy:incident_detail", incident_id=incident.pk)
        if which not in (
            "state", "regulator", "action", "reads", "transfer", "disclosure", "export", "text",
            "notice",
        ):  # fmt: skip
            return HttpResponseBadRequest()
        if _handle(request, incident, which, forms):
            return redirect("privacy:incident_detail", incident_id=incident.pk)
        status = 400
    store = request.store
    forms.setdefault(
        "state",
        IncidentStateForm(
            prefix="state", initial={"state": incident.state, "severity": incident.severity}
        ),
    )
    forms.setdefault("regulator", RegulatorForm(prefix="regulator"))
    forms.setdefault("action", ActionForm(prefix="action", store=store))
    forms.setdefault("reads", ReadsForm(prefix="reads", store=store))
    forms.setdefault("transfer", RecordNumberForm(prefix="transfer"))
    forms.setdefault("disclosure", RecordNumberForm(prefix="disclosure"))
    forms.setdefault("export", RecordNumberForm(prefix="export"))
    text = incident.notice_texts.order_by("-version").first()
    forms.setdefault(
        "text",
        NoticeTextForm(
            prefix="text",
            initial={
                k: getattr(text, k)
                for k in ("what_happened", "data_involved", "measures", "client_steps", "contact")
            }
            if text
            else None,
        ),
    )
    forms.setdefault("notice", NoticeRecordForm(prefix="notice"))
    return render(
        request,
        "privacy/incidents/detail.html",
        {
            "incident": incident,
            "forms": forms,
            "failed": next((k for k, f in forms.items() if f.is_bound and f.errors), ""),
            "actions": list(incident.actions.select_related("owner")),
            "affected": selectors.affected_list(
                actor=request.user, store=store, incident=incident, request=request
            ),
            "text": text,
        },
        status=status,
    )
