"""The request desk (PRV-6) and retention (STO-6) pages: parse, call a service, render."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anxin.accounts.permissions import HANDLE_RIGHTS_REQUESTS, MANAGE_RETENTION
from anxin.core.forms import add_errors
from anxin.core.post_only import post_only

from . import registry
from . import retention as retention_services
from . import rights_selectors as selectors
from . import rights_services as services
from .models import RequestKind, RetentionRule, RetentionRun, RunState
from .rights_forms import AnswerForm, CorrectionForm, NoteForm, RequestForm, RuleForm, RunNoteForm


def request_list(request):
    lists = selectors.request_list(actor=request.user, store=request.store, request=request)
    return render(request, "privacy/rights/list.html", lists)


def request_new(request):
    selectors.require(
        actor=request.user, store=request.store, permission=selectors.DESK, request=request
    )
    form = RequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            req = services.request_open(
                actor=request.user, store=request.store, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                _("Request recorded. The answer is due by %(date)s.") % {"date": req.due_on},
            )
            return redirect("privacy:request", pk=req.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "privacy/rights/new.html", {"form": form}, status=status)


def _detail(request, req, *, status=200, **forms):
    perms = selectors.permissions(request.user, request.store)
    can_handle = HANDLE_RIGHTS_REQUESTS in perms and req.is_open
    context = {
        "req": req,
        "can_handle": can_handle,
        "kinds": RequestKind,
        "holds": registry.holds(req.client)
        if can_handle and req.kind == RequestKind.DELETION
        else [],
        "answer_form": forms.get("answer_form") or AnswerForm(),
        "note_form": forms.get("note_form") or NoteForm(),
        "correction_form": forms.get("correction_form") or CorrectionForm(),
        "errors": forms.get("errors") or [],
    }
    return render(request, "privacy/rights/detail.html", context, status=status)


def _get(request, pk):
    return selectors.request_get(actor=request.user, store=request.store, pk=pk, request=request)


def request_detail(request, pk):
    return _detail(request, _get(request, pk))


def request_copy(request, pk, fmt):
    req = _get(request, pk)
    try:
        body, name, content_type = services.request_copy(
            actor=request.user, store=request.store, req=req, fmt=fmt, request=request
        )
    except ValidationError as exc:
        return _detail(request, req, errors=exc.messages, status=400)
    if fmt == "print":
        for section in body["sections"]:
            for t in section["tables"]:
                t["cells"] = [[row.get(c["key"], "") for c in t["columns"]] for row in t["rows"]]
        return render(request, "privacy/rights/copy_print.html", {"req": req, "copy": body})
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def request_access(request, pk):
    req = _get(request, pk)
    try:
        rows = services.request_access_report(
            actor=request.user, store=request.store, req=req, request=request
        )
    except ValidationError as exc:
        return _detail(request, req, errors=exc.messages, status=400)
    return render(request, "privacy/rights/access.html", {"req": req, "rows": rows})


def _back(request, pk):
    return reverse("privacy:request", args=[pk])


def _answer(request, pk, *, form_class, service, done, form_name):
    """One step of answering a request: the form, the service, the message or the errors."""
    req = _get(request, pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            service(
                actor=request.user,
                store=request.store,
                req=req,
                request=request,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect("privacy:request", pk=pk)
    return _detail(request, req, status=400, **{form_name: form})


@post_only(form_at=_back)
def request_correct(request, pk):
    return _answer(
        request, pk, form_class=CorrectionForm, service=services.request_correct,
        done=_("The correction waits for a second person's approval."),
        form_name="correction_form",
    )  # fmt: skip


@post_only(form_at=_back)
def request_delete(request, pk):
    return _answer(
        request, pk, form_class=NoteForm, service=services.request_delete,
        done=_("The client's data was anonymised."), form_name="note_form",
    )  # fmt: skip


@post_only(form_at=_back)
def request_object(request, pk):
    return _answer(
        request, pk, form_class=NoteForm, service=services.request_object,
        done=_("Objection recorded: no more marketing messages."), form_name="note_form",
    )  # fmt: skip


@post_only(form_at=_back)
def request_close(request, pk):
    return _answer(
        request, pk, form_class=AnswerForm, service=services.request_close,
        done=_("Request closed."), form_name="answer_form",
    )  # fmt: skip


# -- retention ------------------------------------------------------------------------------


def _require_retention(request):
    selectors.require(
        actor=request.user,
        store=request.store,
        permission=MANAGE_RETENTION,
        request=request,
        record_type=retention_services.RECORD,
    )


def retention(request, *, form=None, status=200):
    _require_retention(request)
    rules = RetentionRule.objects.filter(store=request.store)
    counts = dict(retention_services.dry_run(store=request.store))
    return render(
        request,
        "privacy/rights/retention.html",
        {
            "rules": [(rule, counts.get(rule)) for rule in rules],
            "runs": RetentionRun.objects.filter(store=request.store).select_related(
                "rule", "proposed_by", "decided_by"
            )[:50],
            "form": form or RuleForm(),
            "sections": registry.sections(),
        },
        status=status,
    )


@post_only(form_at=lambda request: reverse("privacy:retention"))
def rule_new(request):
    _require_retention(request)
    form = RuleForm(request.POST)
    if form.is_valid():
        try:
            retention_services.rule_create(
                actor=request.user, store=request.store, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Rule saved."))
            return redirect("privacy:retention")
    return retention(request, form=form, status=400)


def _rule(request, pk):
    rule = RetentionRule.objects.filter(store=request.store, pk=pk).first()
    if rule is None:
        raise Http404
    return rule


def _run(request, pk):
    run = (
        RetentionRun.objects.filter(store=request.store, pk=pk)
        .select_related("rule", "proposed_by", "decided_by")
        .first()
    )
    if run is None:
        raise Http404
    return run


@post_only(button=gettext_lazy("Propose a run"))
def run_propose(request, pk):
    _require_retention(request)
    rule = _rule(request, pk)
    try:
        run = retention_services.run_propose(
            actor=request.user, store=request.store, rule=rule, request=request
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("privacy:retention")
    messages.success(request, _("Run proposed: a second person must approve it."))
    return redirect("privacy:run", pk=run.pk)


def run_detail(request, pk, *, form=None, status=200):
    _require_retention(request)
    run = _run(request, pk)
    return render(
        request,
        "privacy/rights/run.html",
        {
            "run": run,
            "form": form or RunNoteForm(),
            "can_decide": run.state == RunState.PROPOSED and run.proposed_by_id != request.user.pk,
        },
        status=status,
    )


def _decide(request, pk, decide, done_message):
    _require_retention(request)
    run = _run(request, pk)
    form = RunNoteForm(request.POST)
    if form.is_valid():
        try:
            decide(
                actor=request.user,
                store=request.store,
                run=run,
                request=request,
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, done_message)
            return redirect("privacy:run", pk=pk)
    return run_detail(request, pk, form=form, status=400)


def _approve(*, note="", **kwargs):
    from .rights_tasks import retention_apply

    run = retention_services.run_approve(apply=False, **kwargs)
    retention_apply(run.pk)  # on the worker: a run of thousands takes longer than a page
    return run


@post_only(form_at=lambda request, pk: reverse("privacy:run", args=[pk]))
def run_approve(request, pk):
    return _decide(
        request,
        pk,
        _approve,
        _("Run approved. The anonymisation runs in the background; this page shows the result."),
    )


@post_only(form_at=lambda request, pk: reverse("privacy:run", args=[pk]))
def run_reject(request, pk):
    return _decide(request, pk, retention_services.run_reject, _("Run rejected."))
