from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anxin.accounts.names import person_name
from anxin.accounts.policy import scope_for
from anxin.clients import selectors as client_selectors
from anxin.core.forms import add_errors
from anxin.core.post_only import post_only
from anxin.scheduling.selectors import practitioners

from . import selectors, services
from .forms import FeedbackForm, JobForm, NotesForm
from .models import JobStatus


def job_list(request):
    if scope_for(request.user, request.store, services.RECORD, "view") is None:
        raise PermissionDenied
    jobs = selectors.scoped_jobs(actor=request.user, store=request.store).exclude(
        status__in=[JobStatus.DONE, JobStatus.CANCELLED]
    )
    can_create = scope_for(request.user, request.store, services.RECORD, "create") is not None
    return render(request, "dispatch/list.html", {"jobs": jobs, "can_create": can_create})


def job_new(request):
    if scope_for(request.user, request.store, services.RECORD, "create") is None:
        raise PermissionDenied
    people = list(practitioners(request.store))
    form = JobForm(request.POST or None, practitioners=people)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            client = client_selectors.client_get(
                actor=request.user,
                store=request.store,
                code=data["client_code"].strip().upper(),
                request=request,
            )
        except Http404:
            form.add_error("client_code", _("No client with this code in this store."))
        else:
            try:
                job = services.job_create(
                    actor=request.user,
                    store=request.store,
                    client=client,
                    workers=[p for p in people if str(p.pk) in data["workers"]],
                    item_name=data["item_name"],
                    start=data["start"],
                    minutes=data["minutes"],
                    travel_minutes=data["travel_minutes"],
                    request=request,
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Dispatched %(item)s for %(client)s to %(names)s.")
                    % {
                        "item": job.item_name,
                        "client": client.name,
                        "names": "、".join(
                            person_name(w, request.store) for w in job.workers.all()
                        ),
                    },
                )
                return redirect("dispatch:detail", pk=job.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "dispatch/new.html", {"form": form}, status=status)


def _detail(request, job, *, notes_form=None, feedback_form=None, address=None, status=200):
    is_worker = job.workers.filter(pk=request.user.pk).exists()
    can_change = scope_for(request.user, request.store, services.RECORD, "change") is not None
    return render(
        request,
        "dispatch/detail.html",
        {
            "job": job,
            "is_worker": is_worker,
            "can_advance": (is_worker or can_change) and job.status in services.NEXT,
            "next_status": services.NEXT.get(job.status),
            "can_feedback": can_change and job.status == JobStatus.DONE,
            "notes_form": notes_form or NotesForm(),
            "feedback_form": feedback_form or FeedbackForm(),
            "address": address,
        },
        status=status,
    )


def job_detail(request, pk):
    job = selectors.job_get(actor=request.user, store=request.store, pk=pk, request=request)
    return _detail(request, job)


@post_only(button=gettext_lazy("Show the address"))
def job_address(request, pk):
    job = selectors.job_get(actor=request.user, store=request.store, pk=pk, request=request)
    address = services.job_address(actor=request.user, job=job, request=request)
    return _detail(request, job, address=address)


@post_only(form_at=lambda request, pk: reverse("dispatch:detail", args=[pk]))
def job_advance(request, pk):
    job = selectors.job_get(actor=request.user, store=request.store, pk=pk, request=request)
    form = NotesForm(request.POST)
    if form.is_valid():
        try:
            services.job_advance(
                actor=request.user, job=job, notes=form.cleaned_data["notes"], request=request
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            job.refresh_from_db(fields=["status"])
            messages.success(
                request,
                _("%(item)s for %(client)s is now: %(status)s.")
                % {
                    "item": job.item_name,
                    "client": job.client.name,
                    "status": job.get_status_display(),
                },
            )
            return redirect("dispatch:detail", pk=pk)
    return _detail(request, job, notes_form=form, status=400)


@post_only(form_at=lambda request, pk: reverse("dispatch:detail", args=[pk]))
def job_feedback(request, pk):
    job = selectors.job_get(actor=request.user, store=request.store, pk=pk, request=request)
    form = FeedbackForm(request.POST)
    if form.is_valid():
        try:
            services.job_feedback(
                actor=request.user,
                job=job,
                score=form.cleaned_data["score"],
                comment=form.cleaned_data["comment"],
                request=request,
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                _("Feedback of %(client)s on %(item)s saved.")
                % {"client": job.client.name, "item": job.item_name},
            )
            return redirect("dispatch:detail", pk=pk)
    return _detail(request, job, feedback_form=form, status=400)
