"""Whistle-blowing pages: report, my reports, the investigators' list and a report."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from anxin.accounts.permissions import INVESTIGATE_REPORTS, UNSEAL_REPORTER
from anxin.approvals.models import ChangeRequest, ChangeState
from anxin.core.forms import add_errors

from . import whistle
from .forms import ReportForm, ReportNoteForm, UnsealForm


def report_new(request):
    if not whistle._member(request.user, request.store):
        raise PermissionDenied
    form = ReportForm(request.POST or None, store=request.store, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            report, secret = whistle.report_file(
                actor=request.user,
                store=request.store,
                description=data["description"],
                named=data["named"],
                reported_person=data.get("reported_person"),
                occurred_on=data.get("occurred_on"),
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            return render(
                request, "complaints/report_done.html", {"report": report, "secret": secret}
            )
    return render(
        request, "complaints/report_new.html", {"form": form}, status=400 if form.errors else 200
    )


def report_mine(request):
    reports = whistle.my_reports(actor=request.user, store=request.store)
    return render(request, "complaints/report_mine.html", {"reports": reports})


def report_list(request):
    if not request.user.has_store_perm(INVESTIGATE_REPORTS, request.store):
        raise PermissionDenied
    reports = whistle.report_list(actor=request.user, store=request.store, request=request)
    return render(request, "complaints/report_list.html", {"reports": reports})


def _pending_unseal(report):
    from django.contrib.contenttypes.models import ContentType

    from .models import WhistleReport

    return ChangeRequest.objects.filter(
        kind=whistle.UNSEAL_KIND,
        target_type=ContentType.objects.get_for_model(WhistleReport),
        target_id=str(report.pk),
        state=ChangeState.PENDING,
    ).first()


def report_detail(request, pk):
    report, role = whistle.report_get(
        actor=request.user, store=request.store, pk=pk, request=request
    )
    store = request.store
    which = request.POST.get("form", "") if request.method == "POST" else ""
    note_form = ReportNoteForm(request.POST if which == "note" else None, prefix="note",
                               initial={"state": report.state})  # fmt: skip
    unseal_form = UnsealForm(request.POST if which == "unseal" else None, prefix="unseal")
    identity = None
    status = 200
    if request.method == "POST":
        if which == "note":
            form = note_form
        elif which == "unseal":
            form = unseal_form
        elif which == "reveal":
            form = None
        else:
            return HttpResponseBadRequest()
        if form is None:
            identity = whistle.identity_for(
                actor=request.user, store=store, report=report, request=request
            )
        elif form.is_valid():
            try:
                if which == "note":
                    whistle.report_note(
                        actor=request.user, store=store, report=report, request=request,
                        note=form.cleaned_data["note"], state=form.cleaned_data["state"],
                    )  # fmt: skip
                    messages.success(request, _("Step recorded."))
                else:
                    whistle.unseal_propose(
                        actor=request.user, store=store, report=report, request=request,
                        reason=form.cleaned_data["reason"],
                    )  # fmt: skip
                    messages.success(
                        request,
                        _("Unsealing proposed: it waits for a second person's approval."),
                    )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                return redirect("complaints:report_detail", pk=report.pk)
        if form is not None:
            status = 400
    perms = request.user.permissions_in(store)
    return render(
        request,
        "complaints/report_detail.html",
        {
            "report": report,
            "role": role,
            "notes": report.notes.select_related("by") if role != "reporter" else [],
            "note_form": note_form,
            "unseal_form": unseal_form,
            "failed": which if status == 400 else "",
            "can_investigate": INVESTIGATE_REPORTS in perms,
            "is_custodian": UNSEAL_REPORTER in perms,
            "pending_unseal": _pending_unseal(report) if UNSEAL_REPORTER in perms else None,
            "may_reveal": (
                report.unsealed_at is not None
                and report.unsealed_by_id == request.user.pk
                and UNSEAL_REPORTER in perms
            ),
            "identity": identity,
        },
        status=status,
    )
