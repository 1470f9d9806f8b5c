from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from anxin.accounts.policy import scope_for
from anxin.audit.services import use_log
from anxin.core.forms import add_errors

from . import selectors, services
from .forms import (
    AgreementForm,
    SkillForm,
    SkillProposeForm,
    StaffForm,
    TrainingForm,
    TrainingProposeForm,
)
from .selectors import RECORD


def staff_list(request):
    if scope_for(request.user, request.store, RECORD, "view") is None:
        raise PermissionDenied
    people = list(selectors.staff_list(actor=request.user, store=request.store)[:500])
    use_log(
        actor=request.user,
        action="search",
        record_type=RECORD,
        record_id="*",
        count=len(people),
        purpose="list",
        request=request,
        store=request.store,
    )
    can_create = scope_for(request.user, request.store, RECORD, "create") is not None
    return render(request, "staff/list.html", {"people": people, "can_create": can_create})


def staff_new(request):
    selectors.require(actor=request.user, store=request.store, action="create", request=request)
    form = StaffForm(request.POST or None, store=request.store)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        user = data.pop("user")
        try:
            member = services.staff_register(
                actor=request.user, store=request.store, request=request, user=user, **data
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Staff file of %(name)s saved.") % {"name": member})
            return redirect("staff:detail", pk=member.pk)
    return render(request, "staff/form.html", {"form": form, "member": None},
                  status=400 if form.errors else 200)  # fmt: skip


def staff_edit(request, pk):
    member = selectors.staff_get(
        actor=request.user, store=request.store, pk=pk, action="change", request=request
    )
    pay = scope_for(request.user, request.store, RECORD, "view_pay") is not None
    form = StaffForm(
        request.POST or None, instance=member, store=request.store, pay=pay, editing=True
    )
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k in services.EDITABLE}
        try:
            services.staff_update(
                actor=request.user,
                store=request.store,
                pk=member.pk,
                request=request,
                user=form.cleaned_data.get("user"),
                **data,
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Staff file of %(name)s saved.") % {"name": member.name})
            return redirect("staff:detail", pk=member.pk)
    return render(request, "staff/form.html", {"form": form, "member": member},
                  status=400 if form.errors else 200)  # fmt: skip


FORMS = {
    "agreement": (AgreementForm, "change"),
    "training": (TrainingForm, "change"),
    "skill": (SkillForm, "change"),
    "propose_skill": (SkillProposeForm, "propose"),
    "propose_training": (TrainingProposeForm, "propose"),
}


def _act(request, member, action, data):
    common = {"actor": request.user, "store": request.store, "pk": member.pk, "request": request}
    if action == "agreement":
        services.staff_agreement_record(**common, **data)
        return _("Agreement of %(name)s recorded.") % {"name": member.name}
    if action == "training":
        services.staff_training_record(**common, **data)
        return _("Training of %(name)s recorded.") % {"name": member.name}
    if action == "skill":
        services.skill_record(**common, **data)
        return _("Skill of %(name)s recorded.") % {"name": member.name}
    if action == "propose_skill":
        services.skill_propose(**common, **data)
    else:
        services.training_propose(**common, **data)
    return _("Sent for a manager's approval (staff file of %(name)s).") % {"name": member.name}


def staff_detail(request, pk):
    member = selectors.staff_get(actor=request.user, store=request.store, pk=pk, request=request)
    forms = {name: cls(prefix=name) for name, (cls, _action) in FORMS.items()}
    action = request.POST.get("action")
    if request.method == "POST":
        if action not in FORMS:
            raise Http404
        cls, needed = FORMS[action]
        selectors.staff_get(
            actor=request.user, store=request.store, pk=pk, action=needed, request=request,
            log=False,
        )  # fmt: skip
        form = forms[action] = cls(request.POST, prefix=action)
        if form.is_valid():
            try:
                done = _act(request, member, action, form.cleaned_data)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, done)
                return redirect("staff:detail", pk=member.pk)
    view = selectors.staff_view(
        actor=request.user, store=request.store, member=member, request=request
    )
    has_errors = any(f.errors for f in forms.values())
    return render(
        request,
        "staff/detail.html",
        {"view": view, "member": member, "forms": forms, "failed": action if has_errors else ""},
        status=400 if has_errors else 200,
    )


def staff_by_code(request, code):
    """Opens a staff file by its code (the code search links here); the file page logs the read."""
    member = selectors.staff_get(
        actor=request.user, store=request.store, code=code, request=request, log=False
    )
    return redirect("staff:detail", pk=member.pk)
