"""Account lifecycle pages for whoever holds ``accounts.manage`` in the current store."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from anxin.audit.models import UseAction
from anxin.core.forms import add_errors

from . import services
from .forms import (
    ActivateForm,
    AgreementForm,
    OffboardForm,
    OnboardForm,
    PostChangeForm,
    ReviewDecisionForm,
    TrainingForm,
)
from .models import Role, RoleAssignment, User
from .names import person_name
from .permissions import MANAGE_ACCOUNTS

DEPARTURE_DAYS = 90


def _require(request):
    if not request.user.has_store_perm(MANAGE_ACCOUNTS, request.store):
        raise PermissionDenied


def _people(store):
    return User.objects.filter(role_assignments__store=store).distinct().order_by("username")


def _person_or_404(request, pk) -> User:
    """Only accounts that hold (or held) a role in the current store."""
    user = _people(request.store).filter(pk=pk).first()
    if user is None:
        raise Http404
    return user


def people_list(request):
    _require(request)
    people = _people(request.store).prefetch_related("role_assignments__role")
    rows = []
    for person in people:
        roles = [
            a.role.label
            for a in person.role_assignments.all()
            if a.active and a.store_id == request.store.pk
        ]
        if person.offboarded_at:
            status = _("left")
        elif person.is_active:
            status = _("active")
        else:
            status = _("waiting for activation")
        rows.append((person, roles, status))
    return render(request, "accounts/people_list.html", {"rows": rows})


def person_new(request):
    _require(request)
    form = OnboardForm(request.POST or None, roles=Role.objects.all())
    if request.method == "POST" and form.is_valid():
        try:
            person = services.account_onboard(
                actor=request.user,
                store=request.store,
                role_key=form.cleaned_data["role"],
                username=form.cleaned_data["username"],
                full_name=form.cleaned_data["full_name"],
                phone=form.cleaned_data["phone"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                _(
                    "Account %(name)s opened; it becomes active once the agreement and training are recorded."
                )
                % {"name": person_name(person, request.store)},
            )
            return redirect("accounts:person", pk=person.pk)
    return render(
        request, "accounts/person_new.html", {"form": form}, status=400 if form.errors else 200
    )


def person_detail(request, pk):
    _require(request)
    person = _person_or_404(request, pk)
    store = request.store
    roles = Role.objects.all()
    current = [r.key for r in person.roles_in(store)]
    forms = {
        "agreement": AgreementForm(prefix="agreement"),
        "training": TrainingForm(prefix="training"),
        "activate": ActivateForm(prefix="activate"),
        "post": PostChangeForm(prefix="post", roles=roles, initial={"roles": current}),
        "offboard": OffboardForm(
            prefix="offboard",
            user=person,
            successors=_people(store).filter(is_active=True).exclude(pk=person.pk),
        ),
    }
    action = request.POST.get("action")
    if request.method == "POST" and action in forms:
        kwargs = {"prefix": action}
        if action == "post":
            kwargs["roles"] = roles
        if action == "offboard":
            kwargs.update(user=person, successors=forms["offboard"].fields["successor"].queryset)
        form = type(forms[action])(request.POST, **kwargs)
        forms[action] = form
        if form.is_valid():
            data = form.cleaned_data
            try:
                if action == "agreement":
                    services.agreement_record(actor=request.user, user=person, **data)
                elif action == "training":
                    services.training_record(actor=request.user, user=person, **data)
                elif action == "activate":
                    services.account_activate(
                        actor=request.user, user=person, password=data["password1"]
                    )
                elif action == "post":
                    if _change_post(request, person, store, data):
                        messages.info(
                            request,
                            _(
                                "The new roles of %(name)s wait for someone else's approval "
                                "(two-person review)."
                            )
                            % {"name": person_name(person, store)},
                        )
                elif action == "offboard":
                    services.account_offboard(
                        actor=request.user, user=person, successor=data["successor"]
                    )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(
                    request, _("Saved for %(name)s.") % {"name": person_name(person, store)}
                )
                return redirect("accounts:person", pk=person.pk)
    departure = None
    if person.offboarded_at:
        # Reading the departure audit is itself a use, logged by the service (SEC-6, PRV-2).
        departure = services.departure_report(
            user=person,
            days=DEPARTURE_DAYS,
            actor=request.user,
            store=store,
            request=request,
        )
        for row in departure:
            row["action_labels"] = [
                UseAction(a).label if a in UseAction.values else a for a in row["actions"]
            ]
    context = {
        "person": person,
        "forms": forms,
        "departure": departure,
        "departure_days": DEPARTURE_DAYS,
        "missing": services.activation_missing(person)
        if not person.is_active and not person.offboarded_at
        else [],
        "agreements": person.agreements.all(),
        "trainings": person.trainings.all(),
        "assignments": RoleAssignment.objects.filter(
            user=person, store=store, active=True
        ).select_related("role"),
    }
    has_errors = any(f.errors for f in forms.values())
    return render(
        request, "accounts/person_detail.html", context, status=400 if has_errors else 200
    )


@transaction.atomic
def _change_post(request, person, store, data) -> list:
    """A change of post: roles given up end now; new roles are proposed, and take effect only
    when someone else approves them (SEC-5). Returns the proposals made."""
    from anxin.approvals.kinds import ROLE_GRANT
    from anxin.approvals.services import change_propose

    current = {r.key for r in person.roles_in(store)}
    wanted = set(data["roles"])
    added = sorted(wanted - current)
    if added and not data.get("reason", "").strip():
        raise ValidationError(_("Say why the new roles are needed; someone else approves them."))
    if current - wanted:
        services.post_change(
            actor=request.user, user=person, store=store, role_keys=sorted(current & wanted)
        )
    return [
        change_propose(
            actor=request.user,
            store=store,
            kind=ROLE_GRANT,
            target=person,
            payload={"role": key},
            reason=data["reason"],
            request=request,
        )
        for key in added
    ]


def review(request):
    """Permission review (SEC-8): confirm or revoke each assignment in this store."""
    _require(request)
    form = ReviewDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        assignment = RoleAssignment.objects.filter(
            pk=form.cleaned_data["assignment"], store=request.store, active=True
        ).first()
        if assignment is None:
            raise Http404
        try:
            services.permission_review_decide(
                actor=request.user,
                assignment=assignment,
                keep=form.cleaned_data["keep"] == "1",
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            kept = form.cleaned_data["keep"] == "1"
            done = _("Kept: %(name)s as %(role)s.") if kept else _("Revoked: %(name)s as %(role)s.")
            messages.success(
                request,
                done
                % {
                    "name": person_name(assignment.user, request.store),
                    "role": assignment.role,
                },
            )
        return redirect("accounts:review")
    rows = services.permission_review(store=request.store)
    return render(request, "accounts/review.html", {"rows": rows})
