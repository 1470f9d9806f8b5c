"""People by their names, not their usernames (issue 12, UX-1).

A person reads "彭玉勇", not ``practitioner`` or ``bj01-ms02``. The name comes from the
person's staff file (员工档案) when there is one, else from the account's full name; the staff
code (MS…) is added only where two people of the same store share a name, so a list can tell
them apart. The username appears only where the account itself is the subject (the account
pages, the log-in form).
"""

from __future__ import annotations

from collections import Counter
from contextlib import suppress

from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.forms.models import ModelChoiceIterator


def _staff_file(user):
    try:
        return user.staff_file
    except (ObjectDoesNotExist, AttributeError):
        return None


def plain_name(user) -> str:
    """The person's full name: staff file, else account full name, else first+last name.
    The username only when nothing else is known."""
    if user is None:
        return ""
    member = _staff_file(user)
    if member is not None and member.name:
        return member.name
    full = (getattr(user, "full_name", "") or "").strip()
    if full:
        return full
    first_last = (
        f"{getattr(user, 'last_name', '')}{getattr(user, 'first_name', '')}".strip()
        if hasattr(user, "get_full_name")
        else ""
    )
    return first_last or getattr(user, "username", "") or str(user)


def _name_counts(store) -> Counter:
    """How many people of ``store`` go by each name: staff files still employed, and accounts
    holding a role there without a staff file. Two queries, whatever the number of names."""
    from anxin.staff.models import StaffMember

    counts = Counter(
        StaffMember.objects.filter(store=store, left_on__isnull=True).values_list("name", flat=True)
    )
    accounts = (
        get_user_model()
        .objects.filter(
            role_assignments__store=store,
            role_assignments__active=True,
            staff_file__isnull=True,
        )
        .exclude(full_name="")
        .values_list("pk", "full_name")
        .distinct()
    )
    counts.update(name for _pk, name in accounts)
    return counts


def _kept_name_counts(store) -> Counter:
    counts = getattr(store, "_anxin_name_counts", None)
    if counts is None:
        counts = _name_counts(store)
        # Once per request: the middleware loads the store object afresh for each request.
        with suppress(AttributeError):
            store._anxin_name_counts = counts
    return counts


def person_name(user, store=None) -> str:
    """The name a person reads; with the staff code where ``store`` has two of that name."""
    name = plain_name(user)
    if not name or store is None:
        return name
    if _kept_name_counts(store)[name] > 1:
        member = _staff_file(user)
        code = (member.code if member is not None else "") or getattr(user, "username", "")
        if code:
            return f"{name} {code}"
    return name


def staff_secrets(prefix: str) -> list[str]:
    """The encrypted fields of a staff file reached by ``prefix`` (``practitioner__staff_file``),
    to ``defer``: a name needs none of them, and each is decrypted when loaded."""
    from anxin.crypto.fields import EncryptedCharField, EncryptedTextField
    from anxin.staff.models import StaffMember

    return [
        f"{prefix}__{f.name}"
        for f in StaffMember._meta.fields
        if isinstance(f, EncryptedCharField | EncryptedTextField)
    ]


def store_people(store):
    """The store's active people, each with their staff file's name and code read in the same
    query (without its encrypted fields): for a form choosing a person, one query however many
    people (issue 11), labelled with ``person_name``."""
    from .models import User

    return (
        User.objects.filter(role_assignments__store=store, role_assignments__active=True)
        .filter(is_active=True)
        .select_related("staff_file")
        .defer(*staff_secrets("staff_file"))
        .distinct()
        .order_by("full_name", "username")
    )


_NAME_COLUMNS = (
    "pk",
    "username",
    "full_name",
    "first_name",
    "last_name",
    "staff_file__name",
    "staff_file__code",
)


def people_choices(people, store) -> list[tuple[int, str]]:
    """``(pk, person_name(user, store))`` of each account in ``people`` (``store_people`` or a
    narrowing of it), in its order: one query of the name columns, no account nor staff file
    built (a form choosing among a store's people three times spent 60–100 ms on them)."""
    out = []
    for pk, username, full, first, last, staff_name, staff_code in people.values_list(
        *_NAME_COLUMNS
    ):
        name = staff_name or full.strip() or f"{last}{first}".strip() or username
        if store is not None and _kept_name_counts(store)[name] > 1:
            name = f"{name} {staff_code or username}"
        out.append((pk, name))
    return out


class PeopleChoices(ModelChoiceIterator):
    """``ModelChoiceField.iterator`` for a field over ``store_people``: its choices from
    ``people_choices``, the field's ``store`` (if set) telling namesakes apart."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        yield from people_choices(self.queryset, getattr(self.field, "store", None))
