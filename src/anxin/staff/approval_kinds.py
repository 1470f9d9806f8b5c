"""A practitioner's new skill or training waits for a manager's approval (STF-2, SEC-5)."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anxin.accounts.models import TrainingRecord
from anxin.accounts.policy import Scope, grant
from anxin.approvals import registry

from .models import Skill, SkillLevel, StaffMember

SKILL = "staff.skill"
TRAINING = "staff.training"
# Who may propose: everyone for their own file (checked again in ``_own``).
PROPOSE = grant("staff.staff", "propose", Scope.OWN)


def _own(actor, target) -> None:
    if target.user_id != actor.pk:
        raise ValidationError(_("You can propose changes to your own staff file only."))


def _text(payload, name, limit) -> str:
    value = payload.get(name)
    value = value.strip() if isinstance(value, str) else ""
    if len(value) > limit:
        raise ValidationError({name: _("At most %(limit)s characters, please.") % {"limit": limit}})
    return value


# -- skills ----------------------------------------------------------------------------------


def _skill_validate(*, actor, store, target, payload) -> dict:
    _own(actor, target)
    technique = _text(payload, "technique", 60)
    if not technique:
        raise ValidationError({"technique": _("Name the technique.")})
    level = payload.get("level")
    if level not in SkillLevel.values:
        raise ValidationError({"level": _("Choose a level.")})
    clean = {
        "technique": technique,
        "body_areas": _text(payload, "body_areas", 200),
        "level": level,
    }
    current = _skill_snapshot(target=target, store=store, payload=clean)["skill"]
    if current == _skill_label(clean):
        raise ValidationError(_("This skill is in your file already."))
    return clean


def _skill_label(values) -> str:
    level = SkillLevel(values["level"]).label if values.get("level") in SkillLevel.values else ""
    areas = f" — {values['body_areas']}" if values.get("body_areas") else ""
    return f"{values['technique']}{areas} ({level})"


def _skill_snapshot(*, target, store, payload) -> dict:
    skill = Skill.objects.filter(member=target, technique=payload.get("technique")).first()
    if skill is None:
        return {"skill": None}
    return {
        "skill": _skill_label(
            {"technique": skill.technique, "body_areas": skill.body_areas, "level": skill.level}
        )
    }


def _skill_preview(*, target, store, before, payload) -> dict:
    return {"skill": _skill_label(payload)}


def _skill_describe(*, target, before, after, kind):
    return [
        (
            _("Skill of %(name)s") % {"name": target.name},
            before.get("skill") or registry.EMPTY,
            after.get("skill") or registry.EMPTY,
        )
    ]


def _skill_apply(*, actor, store, target, payload):
    from .services import _skill_set

    return _skill_set(actor=actor, member=target, **payload)


# -- trainings -------------------------------------------------------------------------------


def _training_validate(*, actor, store, target, payload) -> dict:
    _own(actor, target)
    if target.user_id is None:
        raise ValidationError(_("This staff file has no account to keep trainings on."))
    course = _text(payload, "course", 100)
    if not course:
        raise ValidationError({"course": _("Name the course.")})
    try:
        date = dt.date.fromisoformat(str(payload.get("date")))
    except ValueError:
        raise ValidationError({"date": _("Enter the date of the training.")}) from None
    if date > timezone.localdate():
        raise ValidationError({"date": _("A training cannot be in the future.")})
    result = payload.get("result")
    if result not in TrainingRecord.Result.values:
        raise ValidationError({"result": _("Choose a result.")})
    clean = {"course": course, "date": date.isoformat(), "result": result}
    if _training_snapshot(target=target, store=store, payload=clean)["training"]:
        raise ValidationError(_("This training is in your file already."))
    return clean


def _training_label(course, date, result) -> str:
    return f"{course} {date} ({TrainingRecord.Result(result).label})"


def _training_snapshot(*, target, store, payload) -> dict:
    record = TrainingRecord.objects.filter(
        user_id=target.user_id, course=payload.get("course"), date=payload.get("date")
    ).first()
    if record is None:
        return {"training": None}
    return {"training": _training_label(record.course, record.date.isoformat(), record.result)}


def _training_preview(*, target, store, before, payload) -> dict:
    return {"training": _training_label(payload["course"], payload["date"], payload["result"])}


def _training_describe(*, target, before, after, kind):
    return [
        (
            _("Training of %(name)s") % {"name": target.name},
            before.get("training") or registry.EMPTY,
            after.get("training") or registry.EMPTY,
        )
    ]


def _training_apply(*, actor, store, target, payload):
    from anxin.accounts.services import training_record

    return training_record(
        actor=actor,
        user=target.user,
        topic=TrainingRecord.Topic.SKILL,
        course=payload["course"],
        date=dt.date.fromisoformat(payload["date"]),
        result=payload["result"],
    )


def register_all() -> None:
    registry.register(
        SKILL,
        label=gettext_lazy("Add a skill to a staff file"),
        target_model=StaffMember,
        apply=_skill_apply,
        propose_permission=PROPOSE,
        validate=_skill_validate,
        snapshot=_skill_snapshot,
        preview=_skill_preview,
        describe=_skill_describe,
    )
    registry.register(
        TRAINING,
        label=gettext_lazy("Add a training to a staff file"),
        target_model=StaffMember,
        apply=_training_apply,
        propose_permission=PROPOSE,
        validate=_training_validate,
        snapshot=_training_snapshot,
        preview=_training_preview,
        describe=_training_describe,
    )
