from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from anxin.accounts.names import person_name, store_people
from anxin.accounts.policy import scope_for
from anxin.audit.services import use_log
from anxin.catalogue.models import ServiceItem
from anxin.clients.forms import client_initial
from anxin.core.forms import add_errors
from anxin.core.paging import keyset_page_for

from . import selectors, services
from .forms import (
    CorrectionForm,
    FeedbackCorrectionForm,
    FeedbackForm,
    FollowUpForm,
    NotesAddForm,
    ServiceRecordForm,
    SuggestionForm,
    SuggestionUpdateForm,
    TaskDoneForm,
)
from .selectors import RECORD

PAGE_SIZE = 50


def _status(*forms):
    return 400 if any(f.errors for f in forms) else 200


def service_list(request):
    if scope_for(request.user, request.store, RECORD, "view") is None:
        raise PermissionDenied
    page = keyset_page_for(
        request,
        selectors.service_list(actor=request.user, store=request.store),
        order=selectors.SERVICE_ORDER,
        size=PAGE_SIZE,
    )
    # Each row's link from one reversal, not one per row.
    head, tail = reverse("delivery:service_detail", args=[0]).rsplit("0", 1)
    for record in page.object_list:
        record.detail_url = f"{head}{record.pk}{tail}"
    use_log(
        actor=request.user,
        action="search",
        record_type=RECORD,
        record_id="*",
        count=len(page.object_list),
        purpose="list",
        request=request,
        store=request.store,
    )
    return render(
        request,
        "delivery/service_list.html",
        {
            "page_obj": page,
            "can_create": scope_for(request.user, request.store, RECORD, "create") is not None,
        },
    )


def service_new(request):
    user, store = request.user, request.store
    if scope_for(user, store, RECORD, "create") is None:
        raise PermissionDenied
    # A practitioner's few recent clients, offered before anything is typed; nobody gets a
    # store-wide list on each page load (they type: the combobox asks clients:lookup).
    recent = (
        [] if request.method == "POST" else selectors.recordable_clients(actor=user, store=store)
    )
    form = ServiceRecordForm(
        request.POST or None,
        store=store,
        actor=user,
        request=request,
        items=ServiceItem.objects.filter(store=store, active=True).order_by("code"),
        recent=recent,
        practitioners=(
            None if services._is_practitioner(user, store) else services.practitioners_of(store)
        ),
        initial=client_initial(request),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        client = data["client"]
        try:
            record = services.service_record(
                actor=user,
                store=store,
                client=client,
                item=data["item"],
                served_at=data["served_at"],
                amount=data["amount"],
                products_sold=data["products_sold"],
                notes=data["notes"],
                clock_type=data["clock_type"],
                practitioner=data.get("practitioner"),
                request=request,
            )
        except services.DuplicateService as exc:
            # Refused, with the way to the record there is.
            form.add_error(
                None,
                format_html(
                    '{} <a href="{}">{}</a>',
                    exc.messages[0],
                    reverse("delivery:service_detail", args=[exc.first.pk]),
                    _("Open the record already saved"),
                ),
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                _("Saved: %(item)s for %(client)s, %(amount)s yuan.")
                % {"item": record.item_name, "client": client.name, "amount": record.amount},
            )
            return redirect("delivery:service_detail", pk=record.pk)
    return render(request, "delivery/service_new.html", {"form": form}, status=_status(form))


def _feedback_form(request, record, feedback, data=None):
    """The form the page offers: a first score, or a correction of the score given; none for
    whoever may not record feedback (the practitioner who served, read-only roles)."""
    if not services.may_give_feedback(request.user, request.store, record):
        return None
    if feedback is None:
        return FeedbackForm(data)
    return FeedbackCorrectionForm(
        data, initial={"score": feedback.score, "comments": feedback.comments}
    )


def _detail(request, record, *, feedback_form=False, status=200):
    feedback = getattr(record, "feedback", None)
    if feedback_form is False:
        feedback_form = _feedback_form(request, record, feedback)
    return render(
        request,
        "delivery/service_detail.html",
        {
            "record": record,
            "feedback": feedback,
            "corrections": list(feedback.corrections.select_related("created_by"))
            if feedback
            else [],
            "feedback_form": feedback_form,
            "can_correct": scope_for(request.user, request.store, RECORD, "change") is not None,
            "can_add_notes": services.may_add_notes(request.user, request.store, record),
            "can_follow_up": selectors.can_manage_follow_ups(request.user, request.store),
        },
        status=status,
    )


def service_detail(request, pk):
    record = selectors.service_get(actor=request.user, store=request.store, pk=pk, request=request)
    return _detail(request, record)


def service_feedback(request, pk):
    """A first score, or a correction with a reason; refused (logged) for anyone else."""
    user, store = request.user, request.store
    record = selectors.service_get(actor=user, store=store, pk=pk, request=request)
    feedback = getattr(record, "feedback", None)
    form = _feedback_form(request, record, feedback, request.POST or None)
    if form is None:
        selectors.deny(
            actor=user, store=store, action=services.FEEDBACK, record_id=record.pk, request=request
        )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        # A first score, or a correction of the one given (which needs the reason).
        write, extra = (
            (services.feedback_record, {})
            if feedback is None
            else (services.feedback_correct, {"reason": data["reason"]})
        )
        try:
            write(
                actor=user,
                store=store,
                record=record,
                score=data["score"],
                comments=data["comments"],
                request=request,
                **extra,
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                _("Feedback of %(client)s on %(item)s saved.")
                % {"client": record.client.name, "item": record.item_name},
            )
            return redirect("delivery:service_detail", pk=record.pk)
    return _detail(request, record, feedback_form=form, status=_status(form))


def service_correct(request, pk):
    record = selectors.service_get(
        actor=request.user, store=request.store, pk=pk, action="change", request=request
    )
    initial = {
        "served_at": record.served_at,
        "amount": record.amount,
        "clock_type": record.clock_type,
        "products_sold": record.products_sold,
        "notes": record.notes,
    }
    form = CorrectionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        reason = data.pop("reason")
        payload = {k: v for k, v in data.items() if v != initial[k]}
        minute = "%Y-%m-%dT%H:%M"  # the form shows minutes: the same minute is no change
        if "served_at" in payload and timezone.localtime(payload["served_at"]).strftime(
            minute
        ) == timezone.localtime(record.served_at).strftime(minute):
            del payload["served_at"]
        if "amount" in payload:
            payload["amount"] = str(payload["amount"])
        if "served_at" in payload:
            payload["served_at"] = payload["served_at"].isoformat()
        try:
            change = services.service_correction_propose(
                actor=request.user,
                store=request.store,
                record=record,
                payload=payload,
                reason=reason,
                request=request,
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                _(
                    "The correction of %(item)s for %(client)s is proposed (no. %(number)s); "
                    "it applies once approved."
                )
                % {"item": record.item_name, "client": record.client.name, "number": change.pk},
            )
            return redirect("delivery:service_detail", pk=record.pk)
    return render(
        request,
        "delivery/service_correct.html",
        {"record": record, "form": form},
        status=_status(form),
    )


def service_notes(request, pk):
    """The practitioner adds notes to their own service the same day: no second person."""
    user, store = request.user, request.store
    record = selectors.service_get(actor=user, store=store, pk=pk, action="change", request=request)
    allowed = services.may_add_notes(user, store, record)
    form = NotesAddForm(request.POST or None)
    if request.method == "POST" and (form.is_valid() or not allowed):
        try:
            # Someone else's service is refused (and logged) there; another day explained.
            services.service_notes_add(
                actor=user,
                store=store,
                record=record,
                text=form.cleaned_data.get("text", "") if allowed else "",
                request=request,
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                _("Notes added to %(item)s for %(client)s.")
                % {"item": record.item_name, "client": record.client.name},
            )
            return redirect("delivery:service_detail", pk=record.pk)
    return render(
        request,
        "delivery/service_notes.html",
        {"record": record, "form": form if allowed else None},
        status=_status(form) if allowed else 200,
    )


# -- follow-up --------------------------------------------------------------------------------


def task_list(request):
    user, store = request.user, request.store
    if not selectors.works_in_store(user, store):
        raise PermissionDenied
    return render(
        request,
        "delivery/task_list.html",
        {
            "mine": selectors.my_tasks(actor=user, store=store),
            "overdue": selectors.overdue_tasks(actor=user, store=store),
            "can_manage": selectors.can_manage_follow_ups(user, store),
        },
    )


def task_new(request, pk):
    """A follow-up task for one service (survey or phone 回访)."""
    user, store = request.user, request.store
    if not selectors.can_manage_follow_ups(user, store):
        raise PermissionDenied
    record = selectors.service_get(actor=user, store=store, pk=pk, request=request)
    form = FollowUpForm(request.POST or None, people=store_people(store), store=store)
    if request.method == "POST" and form.is_valid():
        try:
            task = services.follow_up_create(
                actor=user,
                store=store,
                client=record.client,
                service=record,
                request=request,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                _("Follow-up of %(client)s (%(kind)s) assigned to %(name)s.")
                % {
                    "client": record.client.name,
                    "kind": task.get_kind_display(),
                    "name": person_name(task.assignee, store),
                },
            )
            return redirect("delivery:task_detail", pk=task.pk)
    return render(
        request, "delivery/task_new.html", {"form": form, "record": record}, status=_status(form)
    )


def task_detail(request, pk):
    task = selectors.task_get(actor=request.user, store=request.store, pk=pk, request=request)
    form = TaskDoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.follow_up_complete(
                actor=request.user,
                store=request.store,
                task=task,
                outcome=form.cleaned_data["outcome"],
                score=form.cleaned_data["score"],
                request=request,
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                _("Follow-up of %(client)s (%(kind)s) recorded.")
                % {"client": task.client.name, "kind": task.get_kind_display()},
            )
            return redirect("delivery:task_list")
    return render(
        request, "delivery/task_detail.html", {"task": task, "form": form}, status=_status(form)
    )


def suggestion_list(request):
    user, store = request.user, request.store
    if not selectors.can_manage_follow_ups(user, store):
        raise PermissionDenied
    form = SuggestionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.suggestion_forward(
                actor=user, store=store, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Suggestion forwarded."))
            return redirect("delivery:suggestion_list")
    return render(
        request,
        "delivery/suggestion_list.html",
        {"suggestions": selectors.suggestion_list(actor=user, store=store), "form": form},
        status=_status(form),
    )


def suggestion_detail(request, pk):
    user, store = request.user, request.store
    if not selectors.can_manage_follow_ups(user, store):
        raise PermissionDenied
    suggestion = selectors.suggestion_get(actor=user, store=store, pk=pk)
    form = SuggestionUpdateForm(
        request.POST or None,
        initial={"state": suggestion.state, "resolution": suggestion.resolution},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.suggestion_update(
                actor=user, store=store, suggestion=suggestion, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Suggestion updated."))
            return redirect("delivery:suggestion_list")
    return render(
        request,
        "delivery/suggestion_detail.html",
        {"suggestion": suggestion, "form": form},
        status=_status(form),
    )
