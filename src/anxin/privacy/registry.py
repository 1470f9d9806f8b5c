"""What each app contributes to a client's copy and to their anonymisation (STYLE rule 10).

Every app that holds client data declares it once, in a module ``<app>/privacy_hooks.py``
that this app imports at start-up (``autodiscover``)::

    from anxin.privacy import registry

    registry.register(
        "scheduling",
        label=_("Appointments"),
        models=[Appointment],
        export=lambda client: [registry.table("appointments", _("Appointments"), Appointment,
                                              client.appointments.all(), ["code", "start"])],
        anonymise=lambda clients: Appointment.objects.filter(client__in=ids(clients))
                                                      .update(reason=""),
        keeps=_("codes, times and items, for the statistics"),
    )
    registry.register_hold("scheduling.booked", upcoming_bookings)

- ``export(client) -> [Table]``: the client's rows, sensitive fields decrypted (they go only
  into the file the client receives, which is logged as an export).
- ``anonymise(clients) -> int``: erase what identifies the clients (names, phone, ID number,
  address, health data, free text); codes, dates and amounts stay for the statistics. It gets
  a list of clients (pk, code, store_id) so a retention run of thousands is a few queries.
- ``evidence=True``: the app's rows are evidence (the logs) and are never anonymised; the
  registration then says so in ``keeps``.
- A legal hold ``hold(client) -> [reason]`` blocks the anonymisation while any reason stands
  (an open booking, a dispute, a tax record the law keeps): the reasons are shown as they are.

``privacy/tests/test_registry.py`` fails when an installed model has a relation to
``clients.Client`` and its app registers neither an exporter nor an anonymiser.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext as _

HOOKS_MODULE = "privacy_hooks"
# What replaces a name, and a required free text, when a client is anonymised.
ERASED_NAME = "匿名"
ERASED_TEXT = "—"


@dataclass
class Table:
    """One table of a client's copy: a title, the columns (key, label) and the rows."""

    key: str
    title: str
    columns: list[tuple[str, str]]
    rows: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class Section:
    key: str
    label: object
    models: tuple[type[models.Model], ...]
    export: Callable[..., list[Table]] | None
    anonymise: Callable[..., int] | None
    keeps: object = ""
    evidence: bool = False


_SECTIONS: dict[str, Section] = {}
_HOLDS: dict[str, Callable[..., Iterable[str]]] = {}
_ACCESS: dict[str, Callable[..., Iterable[dict]]] = {}


def register(
    key: str,
    *,
    label,
    models: Sequence[type[models.Model]] = (),
    export: Callable[..., list[Table]] | None = None,
    anonymise: Callable[..., int] | None = None,
    keeps="",
    evidence: bool = False,
) -> Section:
    """Declare an app's part of a client's copy and of their anonymisation."""
    if key in _SECTIONS:
        raise ImproperlyConfigured(f"privacy section {key!r} is registered already")
    if export is None and anonymise is None:
        raise ImproperlyConfigured(f"privacy section {key!r}: give an exporter or an anonymiser")
    if anonymise is None and not evidence:
        raise ImproperlyConfigured(
            f"privacy section {key!r}: no anonymiser; say evidence=True if the rows are evidence"
        )
    section = Section(
        key=key,
        label=label,
        models=tuple(models),
        export=export,
        anonymise=anonymise,
        keeps=keeps,
        evidence=evidence,
    )
    _SECTIONS[key] = section
    return section


def register_hold(key: str, hold: Callable[..., dict]) -> None:
    """A legal hold: ``hold(clients) -> {client pk: [reason, ...]}`` for the clients it holds
    (translated text); a list of clients at once, so a retention run asks once per hold."""
    if key in _HOLDS:
        raise ImproperlyConfigured(f"legal hold {key!r} is registered already")
    _HOLDS[key] = hold


def register_access_source(key: str, source: Callable[..., Iterable[dict]]) -> None:
    """More lines of a client's access report: ``source(client)`` gives dicts with ``at``
    (an aware datetime), ``who``, ``what``, ``why`` (plain text) — e.g. transfers to a partner,
    disclosures to an authority, paper-file loans."""
    if key in _ACCESS:
        raise ImproperlyConfigured(f"access source {key!r} is registered already")
    _ACCESS[key] = source


def access_sources() -> list[Callable[..., Iterable[dict]]]:
    return list(_ACCESS.values())


def unregister(key: str) -> None:
    """For tests that register a section, a hold or an access source of their own."""
    _SECTIONS.pop(key, None)
    _HOLDS.pop(key, None)
    _ACCESS.pop(key, None)


def sections() -> list[Section]:
    return list(_SECTIONS.values())


def covered_apps() -> set[str]:
    """The app labels of every model a section declares, and the sections' own keys."""
    labels = {s.key for s in _SECTIONS.values()}
    for section in _SECTIONS.values():
        labels |= {m._meta.app_label for m in section.models}
    return labels


def autodiscover() -> None:
    """Import ``<app>.privacy_hooks`` of every installed app (once, at start-up)."""
    autodiscover_modules(HOOKS_MODULE)


# -- what the request desk and the retention runs call ---------------------------------------


def held(clients: Sequence) -> dict[int, list[str]]:
    """{client pk: reasons} for the clients that may not be anonymised now."""
    clients = list(clients)
    found: dict[int, list[str]] = {}
    for hold in _HOLDS.values():
        for pk, reasons in hold(clients).items():
            found.setdefault(pk, []).extend(str(r) for r in reasons)
    return found


def holds(client) -> list[str]:
    """Every reason that blocks anonymising this client now (empty: none)."""
    return held([client]).get(client.pk, [])


def export(client) -> list[tuple[Section, list[Table]]]:
    """The client's copy, section by section (only sections that export)."""
    return [(s, list(s.export(client))) for s in _SECTIONS.values() if s.export is not None]


def anonymise(clients: Sequence) -> dict[str, int]:
    """Run every anonymiser over the clients; returns rows changed per section.

    Call inside a transaction: all of it, or none of it.
    """
    clients = list(clients)
    done = {}
    for section in _SECTIONS.values():
        if section.anonymise is not None and not section.evidence:
            done[section.key] = int(section.anonymise(clients) or 0)
    return done


# -- helpers for the hooks -------------------------------------------------------------------


def ids(clients) -> list[int]:
    return [c.pk for c in clients]


def value(obj, name: str):
    """A field's value as the copy shows it: choices by their label, times local, plain types."""
    model_field = obj._meta.get_field(name)
    raw = getattr(obj, model_field.attname)
    if raw is None or raw == "":
        return ""
    if model_field.choices:
        return str(getattr(obj, f"get_{name}_display")())
    if isinstance(model_field, models.ForeignKey):
        target = getattr(obj, name)
        return str(getattr(target, "code", "") or target)
    if isinstance(raw, bool):
        return _("yes") if raw else _("no")
    if isinstance(raw, dt.datetime):
        return timezone.localtime(raw).strftime("%Y-%m-%d %H:%M")
    if isinstance(raw, dt.date):
        return raw.isoformat()
    if isinstance(raw, Decimal):
        return f"{raw:.2f}"
    return raw if isinstance(raw, int | float | str) else str(raw)


def table(key: str, title, model: type[models.Model], rows, names: Sequence[str]) -> Table:
    """A table of the given rows of ``model``, labelled by the fields' verbose names."""
    return Table(
        key=key,
        title=str(title),
        columns=[(n, str(model._meta.get_field(n).verbose_name)) for n in names],
        rows=[{name: value(obj, name) for name in names} for obj in rows],
    )
