"""Model fields that keep a value encrypted in the database, and the blind index to find it.

Usage::

    from anxin.crypto.fields import BlindIndexField, BlindIndexMixin, EncryptedCharField

    class Client(BlindIndexMixin, CodedModel):
        id_number = EncryptedCharField(_("ID number"), max_length=18, blank=True)
        id_number_index = BlindIndexField(source="id_number", purpose="id_number")

    Client.objects.filter(id_number_index__matches="110101199003071234")

- ``EncryptedTextField`` / ``EncryptedCharField``: the attribute holds plaintext, the column a
  token (``anxin.crypto.cipher``) bound to ``<table>.<column>``. The column is ``text`` for
  both (a token is longer than its plaintext); ``EncryptedCharField`` validates ``max_length``
  on the plaintext. ``None`` is stored as NULL and ``""`` as ``""``; every other value is
  encrypted, so the token's length still tells roughly how long the value is.
  Only ``__isnull`` works in queries: any other lookup raises ``FieldError``, since equal
  values have different ciphertexts. ``unique``, ``db_index`` and ``db_default`` are refused
  by system checks for the same reason.
- ``BlindIndexField``: ``CharField(max_length=64, db_index=True, null=True)``, computed on
  every ``save()`` and ``bulk_create()`` from its ``source`` (``anxin.crypto.blind``); NULL when
  the source is empty. Search with ``<index>__matches=<plaintext>``, which normalises and
  covers both key generations during a rotation.
- ``BlindIndexMixin`` (required by a system check on models with a blind index): makes
  ``save(update_fields=["id_number"])`` also write ``id_number_index``.
  ``QuerySet.update()`` and ``bulk_update()`` bypass ``save()``: call
  ``refresh_blind_indexes(obj)`` and include the index fields yourself.
"""

from __future__ import annotations

from django import forms
from django.core import checks
from django.core.exceptions import FieldDoesNotExist, FieldError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models.lookups import In
from django.utils.translation import gettext_lazy as _

from anxin.crypto import blind, cipher


class EncryptedTextField(models.TextField):
    """Text, encrypted at rest with AES-256-GCM under the active data key."""

    description = _("Text (encrypted)")

    @property
    def context(self) -> str:
        """What a ciphertext of this field is bound to: ``<table>.<column>``."""
        return f"{self.model._meta.db_table}.{self.column}"

    def check(self, **kwargs):
        return [*super().check(**kwargs), *self._check_not_compared_by_database()]

    def _check_not_compared_by_database(self):
        errors = []
        for option in ("primary_key", "unique", "db_index"):
            if getattr(self, option):
                errors.append(
                    checks.Error(
                        f"{type(self).__name__} cannot have {option}=True: its ciphertexts "
                        "are random, so the database cannot compare values.",
                        hint="Add a BlindIndexField for exact-match search.",
                        obj=self,
                        id="crypto.E001",
                    )
                )
        if self.has_db_default():
            errors.append(
                checks.Error(
                    f"{type(self).__name__} cannot have a db_default: the database would "
                    "store it unencrypted.",
                    hint="Use default= instead.",
                    obj=self,
                    id="crypto.E002",
                )
            )
        return errors

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return cipher.decrypt(value, context=self.context)

    def get_db_prep_value(self, value, connection, prepared=False):
        value = super().get_db_prep_value(value, connection, prepared)
        if value is None or value == "":
            return value
        return cipher.encrypt(value, context=self.context)

    def get_lookup(self, lookup_name):
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        raise FieldError(
            f"{self.model._meta.label}.{self.name} is encrypted: the database cannot compare "
            f"its values ('{lookup_name}'). Search it through a BlindIndexField (__matches); "
            "test for NULL with __isnull."
        )

    def get_transform(self, lookup_name):
        return None


class EncryptedCharField(EncryptedTextField):
    """A short encrypted string; ``max_length`` counts plaintext characters."""

    description = _("String (up to %(max_length)s characters, encrypted)")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.max_length is not None:
            self.validators.append(MaxLengthValidator(self.max_length))

    def check(self, **kwargs):
        errors = super().check(**kwargs)
        valid = type(self.max_length) is int and self.max_length > 0
        if not valid:
            errors.append(
                checks.Error(
                    "EncryptedCharField needs max_length, a positive integer.",
                    obj=self,
                    id="crypto.E003",
                )
            )
        return errors

    def formfield(self, **kwargs):
        # A one-line input like CharField's, not TextField's textarea.
        return models.Field.formfield(
            self, **{"form_class": forms.CharField, "max_length": self.max_length, **kwargs}
        )


_INDEX_DEFAULTS = {"max_length": 64, "db_index": True, "null": True, "blank": True}


class BlindIndexField(models.CharField):
    """The blind index of an encrypted field of the same model, kept in step on save."""

    description = _("Blind index of %(source)s")

    def __init__(self, *args, source: str, purpose: str, **kwargs):
        self.source = source
        self.purpose = purpose
        for option, default in {**_INDEX_DEFAULTS, "editable": False}.items():
            kwargs.setdefault(option, default)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        for option, default in _INDEX_DEFAULTS.items():
            if kwargs.get(option) == default:
                del kwargs[option]
        kwargs.pop("editable", None)
        if self.editable:
            kwargs["editable"] = True
        kwargs["source"] = self.source
        kwargs["purpose"] = self.purpose
        return name, path, args, kwargs

    def check(self, **kwargs):
        errors = super().check(**kwargs)
        try:
            source = self.model._meta.get_field(self.source)
        except FieldDoesNotExist:
            source = None
        if not isinstance(source, EncryptedTextField) or source.model is not self.model:
            errors.append(
                checks.Error(
                    f"BlindIndexField source {self.source!r} is not an encrypted field of "
                    f"{self.model._meta.label}.",
                    obj=self,
                    id="crypto.E004",
                )
            )
        if self.purpose not in blind.purposes():
            errors.append(
                checks.Error(
                    f"no blind-index purpose {self.purpose!r}.",
                    hint=f"Use one of {', '.join(blind.purposes())} or register_purpose() it.",
                    obj=self,
                    id="crypto.E005",
                )
            )
        if not issubclass(self.model, BlindIndexMixin):
            errors.append(
                checks.Error(
                    f"{self.model._meta.label} has a blind index but does not inherit "
                    "BlindIndexMixin, so save(update_fields=...) could leave it stale.",
                    hint="class MyModel(BlindIndexMixin, ...)",
                    obj=self,
                    id="crypto.E006",
                )
            )
        return errors

    def index_for(self, value: str | None, *, generation: int | None = None) -> str | None:
        """What this column holds for a source value: NULL for an empty one."""
        return blind.stored_blind_index(self.purpose, value, generation=generation)

    def pre_save(self, model_instance, add):
        value = self.index_for(getattr(model_instance, self.source))
        setattr(model_instance, self.attname, value)
        return value


@BlindIndexField.register_lookup
class Matches(In):
    """``<index>__matches=<plaintext>``: rows whose source equals it, after normalising."""

    lookup_name = "matches"

    def get_prep_lookup(self):
        if not isinstance(self.rhs, str):
            raise TypeError("__matches takes the plaintext to look for, as a string")
        self.rhs = blind.blind_indexes(self.lhs.output_field.purpose, self.rhs)
        return super().get_prep_lookup()


def blind_index_fields(model) -> list[BlindIndexField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, BlindIndexField)]


def refresh_blind_indexes(instance) -> list[str]:
    """Recompute the instance's blind indexes from its plaintext; returns their field names."""
    names = []
    for field in blind_index_fields(type(instance)):
        field.pre_save(instance, add=False)
        names.append(field.name)
    return names


class BlindIndexMixin:
    """Writes a blind index whenever ``save(update_fields=...)`` writes its source."""

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            update_fields = set(update_fields)
            update_fields |= {
                f.name for f in blind_index_fields(type(self)) if f.source in update_fields
            }
            kwargs["update_fields"] = update_fields
        return super().save(*args, **kwargs)
