"""Pages for sharing grants (PRV-3), partners and transfers (PRV-4), disclosures (PRV-5).

Thin: parse, call a selector or a service, render. A service's refusal is a 403 logged by the
service; a service's ``ValidationError`` goes back on the form with nothing written.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from anxin.accounts.permissions import GRANT_SHARING, MANAGE_TRANSFERS, RECORD_DISCLOSURES
from anxin.audit.services import use_log
from anxin.core.forms import NOT_DONE, form_status, form_submit

from . import selectors_sharing as selectors
from . import services_disclosures, services_sharing, services_transfers
from .forms_sharing import (
    AgreementForm,
    CorrectionForm,
    DisclosureForm,
    GrantForm,
    GrantReviewForm,
    PartnerForm,
    TransferConsentForm,
    TransferForm,
    split_codes,
)
from .models import Document, GrantDecision
from .services_transfers import field_label

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _form_page(request, form, *, title, intro="", back=None, status=200, multipart=False):
    return render(
        request,
        "privacy/sharing/form.html",
        {"form": form, "title": title, "intro": intro, "back": back, "multipart": multipart},
        status=status,
    )


def _fields_words(keys) -> str:
    return "、".join(field_label(k) for k in keys)


def _document_response(request, document: Document, *, record_type: str, record_id) -> HttpResponse:
    use_log(
        actor=request.user,
        action="view",
        record_type=record_type,
        record_id=str(record_id),
        purpose="document",
        request=request,
    )
    response = HttpResponse(bytes(document.content), content_type=document.content_type)
    response["Content-Disposition"] = f'attachment; filename="document-{document.pk}"'
    return response


# -- grants -------------------------------------------------------------------------------------


def grant_list(request):
    grants = selectors.grant_list(actor=request.user, store=request.store, request=request)
    return render(request, "privacy/sharing/grant_list.html", {"grants": grants[:200]})


def grant_create(request):
    selectors.require_perm(
        actor=request.user, store=request.store, perm=GRANT_SHARING,
        record_type="privacy.sharinggrant", request=request,
    )  # fmt: skip
    form = GrantForm(request.POST or None, request.FILES or None, store=request.store)
    grant = form_submit(
        request, form,
        lambda _data: services_sharing.grant_create(
            actor=request.user, store=request.store, request=request, **form.service_kwargs()
        ),
    )  # fmt: skip
    if grant is not NOT_DONE:
        messages.success(
            request,
            _("Sharing grant %(n)s recorded: %(purpose)s.")
            % {"n": grant.pk, "purpose": grant.purpose},
        )
        return redirect("privacy:grant_detail", grant_id=grant.pk)
    status = form_status(request)
    return _form_page(
        request,
        form,
        title=_("New sharing grant"),
        intro=_(
            "The people or roles named get the chosen clients' data for the purpose, from the "
            "start to the end and not a minute longer. Every read under the grant is logged."
        ),
        back=("privacy:grant_list", _("Sharing grants")),
        status=status,
        multipart=True,
    )


def grant_detail(request, grant_id: int):
    grant = selectors.grant_get(
        actor=request.user, store=request.store, grant_id=grant_id, request=request
    )
    form = GrantReviewForm(request.POST or None)
    done = form_submit(
        request, form,
        lambda data: services_sharing.grant_review(
            actor=request.user, store=request.store, grant=grant, decision=data["decision"],
            note=data["note"], request=request,
        ),
    )  # fmt: skip
    if done is not NOT_DONE:
        messages.success(request, _("Your decision is recorded."))
        return redirect("privacy:grant_detail", grant_id=grant.pk)
    status = form_status(request)
    reads = selectors.grant_reads(
        actor=request.user, store=request.store, grant=grant, request=request
    )
    return render(
        request,
        "privacy/sharing/grant_detail.html",
        {
            "grant": grant,
            "form": form,
            "reads": reads,
            "clients": list(
                grant.client_rows.select_related("client").order_by("client__code")[:200]
            ),
            "reviews": list(grant.reviews.select_related("reviewer")),
        },
        status=status,
    )


def grant_agreement(request, grant_id: int):
    grant = selectors.grant_get(
        actor=request.user, store=request.store, grant_id=grant_id, request=request
    )
    if grant.agreement is None:
        raise Http404
    return _document_response(
        request, grant.agreement, record_type="privacy.sharinggrant", record_id=grant.pk
    )


def grant_review(request):
    """The periodic review: every grant in force, to confirm or end (PRV-3)."""
    grants = selectors.grants_to_review(actor=request.user, store=request.store, request=request)
    if request.method == "POST":
        form = GrantReviewForm(request.POST)
        try:
            grant = grants.get(pk=int(request.POST.get("grant", "")))
        except (ValueError, grants.model.DoesNotExist):
            return HttpResponseBadRequest()
        if form.is_valid():
            try:
                services_sharing.grant_review(
                    actor=request.user, store=request.store, grant=grant,
                    decision=form.cleaned_data["decision"], note=form.cleaned_data["note"],
                    request=request,
                )  # fmt: skip
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                word = (
                    _("confirmed")
                    if form.cleaned_data["decision"] == GrantDecision.CONFIRM
                    else _("ended")
                )
                messages.success(
                    request, _("Sharing grant %(n)s %(what)s.") % {"n": grant.pk, "what": word}
                )
            return redirect("privacy:grant_review")
        messages.error(request, _("Choose whether the grant continues or ends."))
        return redirect("privacy:grant_review")
    return render(request, "privacy/sharing/grant_review.html", {"grants": grants})


def grant_mine(request):
    """The grants in force that name me (or a role of mine), with their clients."""
    grants = list(
        selectors.active_grants(actor=request.user, store=request.store)
        .select_related("grantor", "promotion")
        .prefetch_related("client_rows__client")
    )
    return render(request, "privacy/sharing/grant_mine.html", {"grants": grants})


# -- partners and transfers ------------------------------------------------------------------------


def partner_list(request):
    partners = selectors.partner_list(actor=request.user, store=request.store, request=request)
    form = PartnerForm(request.POST or None)
    partner = form_submit(
        request, form,
        lambda data: services_transfers.partner_create(
            actor=request.user, store=request.store, request=request, **data
        ),
    )  # fmt: skip
    if partner is not NOT_DONE:
        messages.success(request, _("Partner %(name)s recorded.") % {"name": partner.name})
        return redirect("privacy:partner_detail", partner_id=partner.pk)
    return render(
        request, "privacy/sharing/partner_list.html", {"partners": partners, "form": form},
        status=form_status(request),
    )  # fmt: skip


def partner_detail(request, partner_id: int):
    partner = selectors.partner_get(
        actor=request.user, store=request.store, partner_id=partner_id, request=request
    )
    agreement_form = AgreementForm(prefix="agreement")
    consent_form = TransferConsentForm(prefix="consent")
    which = request.POST.get("form") if request.method == "POST" else None
    if which == "agreement":
        agreement_form = AgreementForm(request.POST, request.FILES, prefix="agreement")
        done = form_submit(
            request, agreement_form,
            lambda data: services_transfers.agreement_add(
                actor=request.user, store=request.store, partner=partner, kind=data["kind"],
                valid_from=data["valid_from"], valid_until=data["valid_until"],
                upload=data["document"] or None, location=data["location"], request=request,
            ),
        )  # fmt: skip
        message = _("Agreement with %(name)s recorded.") % {"name": partner.name}
    elif which == "consent":
        consent_form = TransferConsentForm(request.POST, prefix="consent")
        done = form_submit(
            request, consent_form,
            lambda data: services_transfers.transfer_consent_record(
                actor=request.user, store=request.store, partner=partner,
                client_code=data["client"], action=data["action"], note=data["note"],
                request=request,
            ),
        )  # fmt: skip
        message = _("%(client)s's consent to transfers to %(name)s is recorded.")
    elif request.method == "POST":
        return HttpResponseBadRequest()
    else:
        done = NOT_DONE
    if done is not NOT_DONE:
        if which == "consent":
            message = message % {"client": done.client.name, "name": partner.name}
        messages.success(request, message)
        return redirect("privacy:partner_detail", partner_id=partner.pk)
    status = form_status(request)
    return render(
        request,
        "privacy/sharing/partner_detail.html",
        {
            "partner": partner,
            "agreements": list(partner.agreements.select_related("recorded_by")),
            "in_force": services_transfers.agreement_in_force(partner),
            "agreement_form": agreement_form,
            "consent_form": consent_form,
        },
        status=status,
    )


def transfer_list(request):
    transfers = selectors.transfer_list(actor=request.user, store=request.store, request=request)
    return render(request, "privacy/sharing/transfer_list.html", {"transfers": transfers[:200]})


def transfer_create(request):
    partners = list(
        selectors.partner_list(actor=request.user, store=request.store, request=request)
    )
    form = TransferForm(request.POST or None, partners=partners)
    sent = form_submit(
        request, form,
        lambda data: services_transfers.transfer_create(
            actor=request.user, store=request.store,
            partner=next(p for p in partners if str(p.pk) == data["partner"]),
            legal_basis=data["legal_basis"], purpose=data["purpose"], fields=data["fields_sent"],
            client_codes=split_codes(data["clients"]), channel=data["channel"],
            note=data["note"], request=request,
        ),
    )  # fmt: skip
    if sent is not NOT_DONE:
        record, content = sent
        response = HttpResponse(content, content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="{record.file_name}"'
        return response
    status = form_status(request)
    return _form_page(
        request,
        form,
        title=_("Send client data to a partner"),
        intro=_(
            "Only to a partner with an agreement in force; health data and ID numbers only with "
            "each client's separate written consent for that partner. The file is made here with "
            "the chosen fields only, and its SHA-256 is kept with the record."
        ),
        back=("privacy:transfer_list", _("Transfers")),
        status=status,
    )


def transfer_detail(request, transfer_id: int):
    record = selectors.transfer_get(
        actor=request.user, store=request.store, transfer_id=transfer_id, request=request
    )
    form = CorrectionForm(request.POST or None)
    new = form_submit(
        request, form,
        lambda data: services_transfers.transfer_correct(
            actor=request.user, store=request.store, original=record, note=data["note"],
            request=request,
        ),
    )  # fmt: skip
    if new is not NOT_DONE:
        messages.success(
            request,
            _("Correction of the transfer to %(partner)s recorded as transfer %(n)s.")
            % {"partner": record.partner.name, "n": new.pk},
        )
        return redirect("privacy:transfer_detail", transfer_id=new.pk)
    status = form_status(request)
    return render(
        request,
        "privacy/sharing/transfer_detail.html",
        {
            "record": record,
            "fields": _fields_words(record.fields),
            "codes": selectors.client_codes(record),
            "form": form,
            "corrections": list(record.corrections.all()),
        },
        status=status,
    )


# -- disclosures ---------------------------------------------------------------------------------


def disclosure_list(request):
    records = selectors.disclosure_list(actor=request.user, store=request.store, request=request)
    return render(request, "privacy/sharing/disclosure_list.html", {"records": records[:200]})


def disclosure_create(request):
    selectors.require_perm(
        actor=request.user, store=request.store, perm=RECORD_DISCLOSURES,
        record_type="privacy.disclosure", request=request,
    )  # fmt: skip
    form = DisclosureForm(request.POST or None, request.FILES or None, store=request.store)
    record = form_submit(
        request, form,
        lambda data: services_disclosures.disclosure_create(
            actor=request.user, store=request.store,
            document_type=data["document_type"], document_number=data["document_number"],
            issuing_body=data["issuing_body"], document_upload=data["document"] or None,
            verified_by=data["verified_by"], verification=data["verification"],
            recipient=data["recipient"], fields=data["fields_sent"],
            client_codes=split_codes(data["clients"]),
            disclosed_at=data["disclosed_at"], note=data["note"], request=request,
        ),
    )  # fmt: skip
    if record is not NOT_DONE:
        messages.success(
            request,
            _("Disclosure to %(recipient)s recorded (no. %(n)s).")
            % {"recipient": record.recipient, "n": record.pk},
        )
        return redirect("privacy:disclosure_detail", disclosure_id=record.pk)
    status = form_status(request)
    return _form_page(
        request,
        form,
        title=_("Record a disclosure to an authority"),
        intro=_(
            "Only on a legal document that has been verified: attach its scan, say who verified "
            "it and how, what was disclosed, of which clients, and to whom."
        ),
        back=("privacy:disclosure_list", _("Disclosures to authorities")),
        status=status,
        multipart=True,
    )


def disclosure_detail(request, disclosure_id: int):
    record = selectors.disclosure_get(
        actor=request.user, store=request.store, disclosure_id=disclosure_id, request=request
    )
    form = CorrectionForm(request.POST or None)
    new = form_submit(
        request, form,
        lambda data: services_disclosures.disclosure_correct(
            actor=request.user, store=request.store, original=record, note=data["note"],
            client_codes=split_codes(data["clients"]), request=request,
        ),
    )  # fmt: skip
    if new is not NOT_DONE:
        messages.success(
            request,
            _("Correction of the disclosure to %(recipient)s recorded as disclosure %(n)s.")
            % {"recipient": record.recipient, "n": new.pk},
        )
        return redirect("privacy:disclosure_detail", disclosure_id=new.pk)
    status = form_status(request)
    return render(
        request,
        "privacy/sharing/disclosure_detail.html",
        {
            "record": record,
            "fields": _fields_words(record.fields),
            "codes": selectors.client_codes(record),
            "form": form,
            "corrections": list(record.corrections.all()),
        },
        status=status,
    )


def disclosure_document(request, disclosure_id: int):
    record = selectors.disclosure_get(
        actor=request.user, store=request.store, disclosure_id=disclosure_id, request=request
    )
    return _document_response(
        request, record.document, record_type="privacy.disclosure", record_id=record.pk
    )


def sharing_home(request):
    """What the privacy pages of this part offer the person, by permission."""
    store = request.store
    perms = request.user.permissions_in(store) if store is not None else set()
    return render(
        request,
        "privacy/sharing/home.html",
        {
            "can_grant": GRANT_SHARING in perms,
            "can_transfer": MANAGE_TRANSFERS in perms,
            "can_disclose": RECORD_DISCLOSURES in perms,
        },
    )
