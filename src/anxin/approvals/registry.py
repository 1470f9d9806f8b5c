"""The kinds of change that need a second person's approval (SEC-5), registered by their apps.

An app declares each kind once, in its ``AppConfig.ready()``::

    from anxin.approvals import registry

    registry.register(
        "catalog.item_price",
        label=_("Change a service item's price"),
        target_model=ServiceItem,
        propose_permission=MANAGE_CATALOG,
        fields=("price",),
        apply=lambda *, actor, store, target, payload: item_update(actor=actor, item=target, **payload),
    )

The approvals services then do the rest: who may propose (``propose_permission`` in the store)
and approve (``APPROVE_CHANGES``, never the proposer), the before snapshot, the staleness check,
the operation log and the pages. Hooks a kind may give (all keyword-only):

- ``apply(*, actor, store, target, payload)``: make the change. Runs inside the approval's
  transaction; ``actor`` is the approver. Required.
- ``validate(*, actor, store, target, payload) -> dict``: check the proposal and return the
  payload to keep (raise ``ValidationError``). Default: the keys are among ``fields`` and at
  least one value differs from the current one.
- ``snapshot(*, target, store, payload) -> dict``: the current values the change replaces.
  Default: the target's ``fields`` named in the payload. Taken at proposal; approval refuses if
  it no longer matches (someone changed the record meanwhile).
- ``preview(*, target, store, before, payload) -> dict``: what ``snapshot`` will read after
  ``apply``. Default: ``before`` updated with the payload.
- ``describe(*, target, before, after, kind) -> [(label, before, after)]``: the rows people
  read. Default: one row per changed field, with its verbose name; values of
  ``sensitive_fields`` are masked (``Kind.display``).
- ``in_store(*, target, store) -> bool``: whether the target belongs to the store. Default: its
  ``store`` field; a model without one must give this hook.

``sensitive_fields`` never appear in clear in the operation log nor on the pages; the target
model's encrypted fields (and its ``audit_sensitive_fields``) are added automatically.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext as _

from anxin.crypto import masking

HIDDEN = "****"  # a sensitive value with no masking rule: nothing of it, not even its length
EMPTY = "—"

_MASKERS: tuple[tuple[str, Callable[[str], str]], ...] = (
    ("id_number", masking.mask_id_number),
    ("phone", masking.mask_phone),
    ("mobile", masking.mask_phone),
    ("bank_card", masking.mask_bank_card),
    ("address", masking.mask_address),
)


def jsonable(value):
    """The value as it reads back from JSON (dates and decimals become text): comparable."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    target_model: type[models.Model]
    apply: Callable[..., object]
    propose_permission: str
    fields: tuple[str, ...] = ()
    sensitive_fields: frozenset[str] = frozenset()
    validate: Callable[..., dict] | None = None
    snapshot: Callable[..., dict] | None = None
    preview: Callable[..., dict] | None = None
    describe: Callable[..., list] | None = None
    in_store: Callable[..., bool] | None = None

    # -- what the services call ----------------------------------------------------------

    def belongs_to(self, target, store) -> bool:
        if self.in_store is not None:
            return bool(self.in_store(target=target, store=store))
        return getattr(target, "store_id", None) == store.pk

    def clean(self, *, actor, store, target, payload) -> dict:
        if not isinstance(payload, dict) or not payload:
            raise ValidationError(_("Say what the change is."))
        if self.validate is not None:
            payload = self.validate(actor=actor, store=store, target=target, payload=payload)
        else:
            unknown = sorted(set(payload) - set(self.fields), key=str)
            if unknown:
                raise ValidationError(
                    _("These values cannot be changed this way: %(names)s"),
                    params={"names": ", ".join(map(str, unknown))},
                )
            current = self.current(target=target, store=store, payload=payload)
            if jsonable(payload) == {k: current.get(k) for k in payload}:
                raise ValidationError(
                    _("The proposed values are the current ones: nothing to change.")
                )
        return jsonable(payload)

    def current(self, *, target, store, payload) -> dict:
        if self.snapshot is not None:
            values = self.snapshot(target=target, store=store, payload=payload)
        else:
            values = {name: getattr(target, name) for name in payload if name in self.fields}
        return jsonable(values)

    def after(self, *, target, store, before, payload) -> dict:
        if self.preview is not None:
            return jsonable(
                self.preview(target=target, store=store, before=before, payload=payload)
            )
        return jsonable({**before, **payload})

    def rows(self, *, target, before, after) -> list[tuple[str, str, str]]:
        """(label, before, after) for people to read; sensitive values masked."""
        if self.describe is not None:
            return list(self.describe(target=target, before=before, after=after, kind=self))
        rows = []
        for name in sorted(set(before) | set(after), key=str):
            old, new = before.get(name), after.get(name)
            if old == new:
                continue
            rows.append((self.field_label(name), self.display(name, old), self.display(name, new)))
        return rows

    # -- helpers for hooks -----------------------------------------------------------------

    def field_label(self, name: str) -> str:
        try:
            return str(self.target_model._meta.get_field(name).verbose_name)
        except FieldDoesNotExist:
            return name

    def display(self, name: str, value) -> str:
        """A value as shown to people: masked if the field is sensitive."""
        if value is None or value == "":
            return EMPTY
        if name not in self.sensitive_fields:
            if isinstance(value, bool):
                return _("yes") if value else _("no")
            if isinstance(value, list):
                return ", ".join(map(str, value))
            return value if isinstance(value, str | int | float) else json.dumps(value)
        text = str(value)
        for fragment, mask in _MASKERS:
            if fragment in name:
                return mask(text)
        return HIDDEN


_KINDS: dict[str, Kind] = {}


def register(
    kind: str,
    *,
    label,
    target_model: type[models.Model],
    apply: Callable[..., object],
    propose_permission: str,
    fields: Iterable[str] = (),
    sensitive_fields: Iterable[str] = frozenset(),
    validate: Callable[..., dict] | None = None,
    snapshot: Callable[..., dict] | None = None,
    preview: Callable[..., dict] | None = None,
    describe: Callable[..., list] | None = None,
    in_store: Callable[..., bool] | None = None,
) -> Kind:
    """Declare a kind of change that goes through two-person review."""
    from anxin.accounts.permissions import PERMISSIONS
    from anxin.accounts.policy import is_known_grant
    from anxin.audit.services import sensitive_fields as audit_sensitive

    if kind in _KINDS:
        raise ImproperlyConfigured(f"approval kind {kind!r} is registered already")
    if len(kind) > 60:
        raise ImproperlyConfigured(f"approval kind {kind!r} is longer than 60 characters")
    if propose_permission not in PERMISSIONS and not is_known_grant(propose_permission):
        raise ImproperlyConfigured(f"{kind}: unknown permission {propose_permission!r}")
    fields = tuple(fields)
    for name in fields:
        target_model._meta.get_field(name)  # FieldDoesNotExist: a typo, caught at start-up
    if not fields and (validate is None or snapshot is None):
        raise ImproperlyConfigured(f"{kind}: give the fields it changes, or validate and snapshot")
    has_store = any(f.name == "store" for f in target_model._meta.get_fields())
    if in_store is None and not has_store:
        raise ImproperlyConfigured(
            f"{kind}: {target_model._meta.label} has no store; give in_store"
        )
    entry = Kind(
        key=kind,
        label=label,
        target_model=target_model,
        apply=apply,
        propose_permission=propose_permission,
        fields=fields,
        sensitive_fields=frozenset(sensitive_fields) | audit_sensitive(target_model),
        validate=validate,
        snapshot=snapshot,
        preview=preview,
        describe=describe,
        in_store=in_store,
    )
    _KINDS[kind] = entry
    return entry


def unregister(kind: str) -> None:
    """For tests that register a kind of their own."""
    _KINDS.pop(kind, None)


def get(kind: str) -> Kind:
    """The registered kind; ``LookupError`` if no app registers it (any more)."""
    try:
        return _KINDS[kind]
    except KeyError:
        raise LookupError(f"no approval kind {kind!r} is registered") from None


def kinds() -> list[Kind]:
    return list(_KINDS.values())
