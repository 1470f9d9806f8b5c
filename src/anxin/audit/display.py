"""The logs in words (issue 12, UX-2): what the operation log and the use log store as data
(model labels, codes, Python values, UTC timestamps) shown in the reader's language.

The logs keep storing stable, language-independent data (``clients.client``, ``day view``,
``True``); only the display translates. Anything unknown is shown as written rather than hidden.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal, InvalidOperation

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

# Record types logged that are not (or not only) a model: the policy's record types and a few
# more. Models are named by their verbose name.
EXTRA_RECORD_TYPES = {
    "staff.staff": _("staff file"),
    "scheduling.queue": _("rotation queue"),
    "delivery.service": _("service record"),
    "attendance.attendance": _("attendance"),
    "performance.review": _("monthly performance"),
}

# Use-log purposes written by the system (free text typed by a person is shown as typed).
PURPOSES = {
    "day view": _("the day's appointments"),
    "calendar": _("the appointment calendar"),
    "list": _("a list"),
    "supervision": _("supervision"),
    "approval": _("approval"),
    "departure audit": _("audit of a departure"),
    "appointment reminder": _("appointment reminder"),
    "data quality figures (computed)": _("data quality figures"),
    "data quality report": _("data quality report"),
    "monthly performance": _("monthly performance"),
    "monthly summary": _("monthly attendance summary"),
    "on-site service": _("on-site service"),
    "payroll": _("payroll"),
    "promotion effect": _("effect of a promotion"),
    "service history": _("service history"),
    "treatment": _("treatment"),
    # Privacy: sharing, disclosures, incidents (issue 13)
    "reads under a sharing grant": _("what was read under a sharing grant"),
    "incident affected clients": _("the clients affected by an incident"),
    "document": _("a document on file"),
}
# Privacy: the purposes naming a record of the privacy app: "sharing grant 12", "transfer 3"...
NUMBERED_PURPOSES = {
    "sharing grant": _("under sharing grant no. %(n)s"),
    "transfer": _("transfer no. %(n)s to a partner"),
    "disclosure": _("disclosure no. %(n)s to an authority"),
}
SEARCH_KINDS = {
    "code": _("search by code"),
    "id_number": _("search by ID number"),
    "phone": _("search by phone"),
    "pinyin": _("search by pinyin initials"),
    "name": _("search by name"),
}

# Operation-log actions (the use log has ``UseAction``).
OPERATION_ACTIONS = {
    "create": _("created"),
    "update": _("changed"),
    "change": _("changed"),
    "delete": _("deleted"),
    "import": _("imported"),
    "import_start": _("import started"),
    "grant": _("role granted"),
    "revoke": _("role revoked"),
    "review": _("permission review"),
    "approve": _("approved"),
    "reject": _("rejected"),
    "propose": _("proposed for approval"),
    "withdraw": _("withdrawn"),
    "activate": _("account activated"),
    "onboard": _("account opened"),
    "offboard": _("account closed (departure)"),
    "post_change": _("change of post"),
    "correct": _("corrected"),
    "confirm": _("confirmed"),
    "dispute": _("disputed"),
    "resolve": _("resolved"),
    "publish": _("published"),
    "feedback": _("feedback recorded"),
    "health_add": _("health note added"),
    "reschedule": _("rescheduled"),
    "reassign": _("reassigned"),
    "queue_open": _("rotation queue opened"),
    "rotation_assign": _("assigned by rotation"),
    "service_start": _("service started"),
    "service_end": _("service ended"),
    "clock_in": _("clocked in"),
    "clock_out": _("clocked out"),
    "acknowledge": _("acknowledged"),
    "backup": _("backup"),
    "purge": _("purged (retention period)"),
    "notify": _("notified"),
    # Privacy: sharing, disclosures, incidents (issue 13)
    "disclose": _("disclosed to an authority"),
    "end": _("ended"),
    "expire": _("ended by its term"),
    "affected_add": _("affected clients added"),
    "notice_text": _("notice text written"),
    "notice": _("notice to affected people"),
    "done": _("done"),
    "consent_grant": _("consent given"),
    "consent_withdraw": _("consent withdrawn"),
}

# Keys of the structured values some services log (not model fields).
EXTRA_FIELDS = {
    # Privacy: the health file's fields as a transfer or disclosure names them (issue 13)
    "medical_history": _("medical history"),
    "allergies": _("allergies"),
    "conditions": _("special conditions"),
    "roles": _("roles"),
    "role": _("role"),
    "decision": _("decision"),
    "kept": _("kept"),
    "review": _("review no."),
    "approval": _("approval"),
    "request": _("request no."),
    "kind": _("kind"),
    "target": _("record"),
    "proposer": _("proposed by"),
    "proposer_id": _("proposed by"),
    "proposed_at": _("proposed at"),
    "approver": _("approved by"),
    "approver_id": _("approved by"),
    "decided_at": _("decided at"),
    "note": _("note"),
    "count": _("number of records"),
    "source": _("source"),
    "password": _("password"),
    "reason": _("reason"),
}

# Values some services log that are codes but no model choice.
VALUE_WORDS = {"demo": _("demo data"), "import": _("import")}

ISO_TIMESTAMP = re.compile(
    r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$"
)
REPR_TUPLE = re.compile(r"^\(\s*'([a-z_]+)'\s*,\s*'?([^']*)'?\s*\)$")


@functools.cache
def _model(record_type: str):
    """The model of a record type, or ``None``; kept (a page asks it once per logged value)."""
    try:
        return apps.get_model(record_type)
    except (LookupError, ValueError):
        return None


def record_type_label(record_type: str) -> str:
    """``clients.client`` → 客户."""
    if not record_type:
        return ""
    if record_type in EXTRA_RECORD_TYPES:
        return str(EXTRA_RECORD_TYPES[record_type])
    from anxin.accounts.policy import RECORD_TYPES

    if record_type in RECORD_TYPES:
        return str(RECORD_TYPES[record_type])
    model = _model(record_type)
    if model is not None:
        return str(model._meta.verbose_name)
    return record_type


# Technical records nobody filters the logs by.
INTERNAL_RECORD_TYPES = {
    "audit.chainhead",
    "core.codesequence",
    "clients.searchkey",
}


def _grouped(pairs) -> list[tuple[str, str]]:
    """Choices with one entry per label: keys of the same label joined by commas."""
    by_label: dict[str, list[str]] = {}
    for key, label in pairs:
        by_label.setdefault(str(label), []).append(key)
    return sorted(
        ((",".join(sorted(keys)), label) for label, keys in by_label.items()), key=lambda kv: kv[1]
    )


def record_type_choices() -> list[tuple[str, str]]:
    """The record types a person can filter the logs by, named in their language."""
    return list(_record_type_choices(get_language()))


@functools.cache
def _record_type_choices(language: str) -> tuple[tuple[str, str], ...]:
    """Worked out once per language: three hundred models' names, grouped and sorted, on every
    page of the logs before (issue 11). The models and their names do not change while the
    process runs; ``language`` is the active one, which ``record_type_label`` speaks."""
    from anxin.accounts.policy import RECORD_TYPES

    keys = set(RECORD_TYPES) | set(EXTRA_RECORD_TYPES)
    for model in apps.get_models():
        if model.__module__.startswith("anxin."):
            keys.add(model._meta.label_lower)
    keys -= INTERNAL_RECORD_TYPES
    keys = {k for k in keys if not k.startswith("crypto.")}
    return tuple(_grouped((k, record_type_label(k)) for k in keys))


def operation_action_choices() -> list[tuple[str, str]]:
    return list(_operation_action_choices(get_language()))


@functools.cache
def _operation_action_choices(language: str) -> tuple[tuple[str, str], ...]:
    return tuple(_grouped((k, str(v)) for k, v in OPERATION_ACTIONS.items()))


def record_label(entry) -> str:
    """What record an entry is about: 客户 KH26120001, 账户（编号 16）, 客户（全部）."""
    kind = record_type_label(entry.record_type)
    if entry.record_code:
        return f"{kind} {entry.record_code}"
    if entry.record_id == "*":
        return gettext("%(kind)s (several)") % {"kind": kind}
    if entry.record_id:
        return gettext("%(kind)s (no. %(id)s)") % {"kind": kind, "id": entry.record_id}
    return kind


def purpose_label(purpose: str) -> str:
    """``day view`` → 当天的预约; ``search (pinyin)`` → 按拼音首字母查找; typed text as typed."""
    if not purpose:
        return ""
    if purpose in PURPOSES:
        return str(PURPOSES[purpose])
    found = re.fullmatch(r"(sharing grant|transfer|disclosure) (\d+)", purpose)
    if found:
        return str(NUMBERED_PURPOSES[found.group(1)]) % {"n": found.group(2)}
    found = re.fullmatch(r"incident (\d+) notice", purpose)
    if found:
        return gettext("notice about incident no. %(n)s") % {"n": found.group(1)}
    found = re.fullmatch(r"search \(([a-z_]+)\)", purpose)
    if found and found.group(1) in SEARCH_KINDS:
        return str(SEARCH_KINDS[found.group(1)])
    # An export: "<purpose> [field, field]" → the purpose, then the fields in words.
    found = re.fullmatch(r"(.*?)\s*\[([a-z_, ]+)\]", purpose, flags=re.S)
    if found:
        fields = [field_label("clients.client", f.strip()) for f in found.group(2).split(",") if f]
        head = purpose_label(found.group(1)) if found.group(1) else ""
        return gettext("%(purpose)s (fields: %(fields)s)") % {
            "purpose": head,
            "fields": "、".join(fields),
        }
    return purpose


def use_action_label(action: str) -> str:
    from .models import UseAction

    if action in UseAction.values:
        return str(UseAction(action).label)
    if action in OPERATION_ACTIONS:
        return str(OPERATION_ACTIONS[action])
    from anxin.accounts.policy import ACTIONS

    if action in ACTIONS:
        return str(ACTIONS[action])
    return action


def operation_action_label(action: str) -> str:
    if action in OPERATION_ACTIONS:
        return str(OPERATION_ACTIONS[action])
    return use_action_label(action)


@functools.cache
def _field(record_type: str, name: str):
    """The model field a logged name stands for, or ``None``; kept like ``_model``."""
    model = _model(record_type)
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        for f in model._meta.concrete_fields:
            if f.attname == name:
                return f
    return None


# Where a model's verbose name reads wrong for the record: a client's name is 姓名.
FIELD_OVERRIDES = {("clients.client", "name"): _("full name")}


def field_label(record_type: str, name: str) -> str:
    """``allows_parallel_bookings`` → 可同时预约 (the model field's verbose name)."""
    if (record_type, name) in FIELD_OVERRIDES:
        return str(FIELD_OVERRIDES[(record_type, name)])
    field = _field(record_type, name)
    if field is not None and getattr(field, "verbose_name", None):
        return str(field.verbose_name)
    if name in EXTRA_FIELDS:
        return str(EXTRA_FIELDS[name])
    return name.replace("_", " ")


def local_time(value) -> str:
    """An ISO timestamp (UTC, ``…Z``) in local time, as people write it."""
    if isinstance(value, dt.datetime):
        moment = value
    else:
        text = str(value).replace("Z", "+00:00")
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            return str(value)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, dt.UTC)
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def yes_no(value: bool) -> str:
    return gettext("yes") if value else gettext("no")


def role_label(key: str) -> str:
    from anxin.accounts.models import Role
    from anxin.accounts.permissions import DEFAULT_ROLES

    if key in DEFAULT_ROLES:
        return str(DEFAULT_ROLES[key][0])
    role = Role.objects.filter(key=key).first()
    return str(role.label) if role else key


def promotion_rule_lines(rules) -> list[str]:
    """A promotion's conditions in words, one line each: 消费满 150.00 元; 仅限以下项目：…

    Accepts the stored dict, or the ``('min_spend', '150.00')`` pair an older page showed."""
    from anxin.core.templatetags.money import yuan

    if isinstance(rules, tuple | list) and len(rules) == 2 and isinstance(rules[0], str):
        rules = {rules[0]: rules[1]}
    if isinstance(rules, str):
        found = REPR_TUPLE.match(rules.strip())
        if not found:
            return [rules]
        rules = {found.group(1): found.group(2)}
    if not rules:
        return [gettext("Every client")]
    lines = []
    for key, value in rules.items():
        if key == "new_clients_only":
            if value:
                lines.append(gettext("New clients only"))
        elif key == "min_spend":
            lines.append(gettext("Minimum spend %(v)s yuan") % {"v": yuan(value)})
        elif key == "items":
            lines.append(
                gettext("%(what)s: %(values)s")
                % {"what": gettext("Only these items"), "values": "、".join(map(str, value))}
            )
        elif key == "member_levels":
            from anxin.catalogue.forms import MEMBER_LEVEL_LABELS

            levels = [str(MEMBER_LEVEL_LABELS.get(v, v)) for v in value]
            lines.append(
                gettext("%(what)s: %(values)s")
                % {"what": gettext("Only these member levels"), "values": "、".join(levels)}
            )
        else:
            lines.append(f"{field_label('catalogue.promotion', key)}：{words(value)}")
    return lines


def promotion_rules_words(rules) -> str:
    return "；".join(promotion_rule_lines(rules))


# The names of the people a page's change sets name, read once for the page (``people_named``):
# a day's bookings log their practitioner each, and a query per entry made a page of fifty
# entries fifty queries more (issue 11). Outside ``people_named`` each name is read when asked.
_NAMED: ContextVar[dict | None] = ContextVar("audit_display_named", default=None)


def _is_user_key(model_field) -> bool:
    return (
        isinstance(model_field, models.ForeignKey)
        and model_field.related_model._meta.label == settings.AUTH_USER_MODEL
    )


def _person_ref(value, *, record_type: str, field: str):
    """``("pk", 12)`` or ``("username", "x")`` when ``words`` names a person for this value."""
    if field in ("proposer", "approver") and isinstance(value, str):
        return ("username", value)
    if field in ("proposer_id", "approver_id") and str(value).isdigit():
        return ("pk", int(value))
    model_field = _field(record_type, field) if field else None
    if (
        _is_user_key(model_field)
        and not isinstance(value, bool)
        and isinstance(value, int | str)
        and str(value).isdigit()
    ):
        return ("pk", int(value))
    return None


def _refs(value, *, record_type: str, field: str, found: set) -> None:
    """Every person ``words(value, record_type=, field=)`` would name, into ``found``."""
    if value is None or value == "" or field in ("roles", "role", "rules"):
        return
    ref = _person_ref(value, record_type=record_type, field=field)
    if ref is not None:
        found.add(ref)
    elif isinstance(value, dict):
        for k, v in value.items():
            _refs(v, record_type=record_type, field=str(k), found=found)


@contextmanager
def people_named(entries):
    """Within it, the people the ``entries``' change sets name are read in one query (two when
    some are named by their username), not one query each."""
    from anxin.accounts.models import User
    from anxin.accounts.names import plain_name, staff_secrets

    found: set = set()
    for entry in entries:
        for name, change in (entry.changes or {}).items():
            if isinstance(change, dict) and ("before" in change or "after" in change):
                values = [change.get("before"), change.get("after")]
            elif isinstance(change, list | tuple) and len(change) == 2:
                values = list(change)
            else:
                values = [change]
            for value in values:
                _refs(value, record_type=entry.record_type, field=name, found=found)
    named: dict = {}
    for kind in ("pk", "username"):
        keys = {key for k, key in found if k == kind}
        if keys:
            people = (
                User.objects.filter(**{f"{kind}__in": keys})
                .select_related("staff_file")
                .defer(*staff_secrets("staff_file"))  # a name needs nothing encrypted
            )
            named.update(((kind, getattr(u, kind)), plain_name(u)) for u in people)
    token = _NAMED.set(named)
    try:
        yield
    finally:
        _NAMED.reset(token)


def _user_name(pk) -> str:
    from anxin.accounts.models import User
    from anxin.accounts.names import plain_name

    named = _NAMED.get()
    if named is not None and ("pk", pk) in named:
        return named["pk", pk]
    user = User.objects.filter(pk=pk).select_related("staff_file").first()
    return plain_name(user) if user else str(pk)


def _user_name_by_username(username: str) -> str:
    from anxin.accounts.models import User
    from anxin.accounts.names import plain_name

    named = _NAMED.get()
    if named is not None and ("username", username) in named:
        return named["username", username]
    user = User.objects.filter(username=username).select_related("staff_file").first()
    return plain_name(user) if user else username


def words(value, *, record_type: str = "", field: str = "") -> str:
    """One logged value in words of the reader's language."""
    if value is None or value == "":
        return "—"
    if field in ("roles", "role"):
        keys = value if isinstance(value, list | tuple) else [value]
        return "、".join(role_label(k) for k in keys) if keys else gettext("none")
    if field == "rules":
        return promotion_rules_words(value)
    if field in ("proposer", "approver") and isinstance(value, str):
        return _user_name_by_username(value)
    if field in ("proposer_id", "approver_id") and str(value).isdigit():
        return _user_name(int(value))
    model_field = _field(record_type, field) if field else None
    if isinstance(value, bool):
        return yes_no(value)
    if model_field is not None:
        if model_field.choices:
            labels = dict(model_field.flatchoices)
            if value in labels:
                return str(labels[value])
        if _is_user_key(model_field) and isinstance(value, int | str) and str(value).isdigit():
            return _user_name(int(value))
        if isinstance(model_field, models.DecimalField):
            try:
                return str(Decimal(str(value)))
            except InvalidOperation:
                pass
    if isinstance(value, dict):
        return "；".join(
            f"{field_label(record_type, str(k))}：{words(v, record_type=record_type, field=str(k))}"
            for k, v in value.items()
            if v not in (None, "")
        )
    if isinstance(value, list | tuple):
        return "、".join(words(v, record_type=record_type) for v in value) or "—"
    text = str(value)
    if field == "source" and text in VALUE_WORDS:
        return str(VALUE_WORDS[text])
    if ISO_TIMESTAMP.match(text):
        return local_time(text)
    if text in ("True", "False"):
        return yes_no(text == "True")
    return text


def change_lines(entry) -> list[str]:
    """An operation-log entry's changes, one line per field: 性别：— → 女."""
    lines = []
    record_type = entry.record_type
    for name, change in (entry.changes or {}).items():
        label = field_label(record_type, name)
        if isinstance(change, dict) and change.get("changed"):
            lines.append(gettext("%(name)s: changed (the value is not recorded)") % {"name": label})
        elif isinstance(change, dict) and ("before" in change or "after" in change):
            before = words(change.get("before"), record_type=record_type, field=name)
            after = words(change.get("after"), record_type=record_type, field=name)
            lines.append(
                gettext("%(name)s: %(before)s → %(after)s")
                % {"name": label, "before": before, "after": after}
            )
        elif isinstance(change, list | tuple) and len(change) == 2:
            before = words(change[0], record_type=record_type, field=name)
            after = words(change[1], record_type=record_type, field=name)
            lines.append(
                gettext("%(name)s: %(before)s → %(after)s")
                % {"name": label, "before": before, "after": after}
            )
        else:
            lines.append(f"{label}：{words(change, record_type=record_type, field=name)}")
    return lines


def grant_label(grant: str) -> str:
    """A permission or policy grant in words: ``clients.client.view_health:served`` →
    客户：查看健康档案（限服务过的客户）."""
    from anxin.accounts.permissions import PERMISSIONS
    from anxin.accounts.policy import ACTIONS, RECORD_TYPES

    if grant in PERMISSIONS:
        return str(PERMISSIONS[grant])
    found = re.fullmatch(r"([a-z_]+\.[a-z_]+)\.([a-z_]+):([a-z]+)", grant)
    if found:
        record_type, action, scope = found.groups()
        kind = str(RECORD_TYPES.get(record_type, record_type_label(record_type)))
        what = str(ACTIONS.get(action, action))
        return gettext("%(kind)s: %(action)s (%(scope)s)") % {
            "kind": kind,
            "action": what,
            "scope": scope_label(scope),
        }
    if grant in ACTIONS:
        return str(ACTIONS[grant])
    return grant


def scope_label(scope: str) -> str:
    return str(
        {
            "store": _("every record of the store"),
            "served": _("clients served lately or booked"),
            "own": _("own records only"),
        }.get(scope, scope)
    )
