"""Importing clients from .xlsx (UX-5) with the generic framework in ``anxin.imports``.

Every row goes through ``ClientForm`` (the registration form's checks) plus what an import needs:
the client's consent on file (general consent "yes" and where the signed paper form is kept —
nothing is imported without it), an optional separate health consent, and the registration
date (the month of a KH code). Duplicates within the file and against the store's clients are
refused by the blind index. Saving is in bulk; one operation-log entry names the job, the
count and the codes given.
"""

import datetime as dt
import functools
import threading

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anxin.accounts.policy import scope_for
from anxin.audit.services import operation_log
from anxin.core.codes import allocate_code
from anxin.core.models import CodeSequence
from anxin.crypto import blind
from anxin.imports.base import Column, Importer

from .forms import ClientForm
from .models import (
    Channel,
    Client,
    ClientStatus,
    Confirmation,
    Consent,
    Gender,
    SearchKey,
    Source,
    StoreClientSettings,
)
from .notice import notice_current
from .pinyin import name_keys
from .selectors import RECORD, scoped_clients

YES = {"1", "y", "yes", "true", "是", "有", "同意", "√", "x"}
NO = {"", "0", "n", "no", "false", "否", "无", "不同意"}


@functools.cache
def _choice_names(choices: tuple) -> dict[str, str]:
    """Every way a choice may be written (its key, its label in each language) → its key."""
    from django.conf import settings
    from django.utils.translation import override

    names = {"女": "F", "男": "M"} if any(key == "F" for key, _l in choices) else {}
    for key, label in choices:
        names[key.lower()] = key
        for code, _name in settings.LANGUAGES:
            with override(code):
                names[str(label).lower()] = key
    return names


def _choice(value: str, choices) -> str:
    """A choice from its key or its label in any language (女 / female / F); unknown text is
    passed on for the form to refuse."""
    text = (value or "").strip()
    if not text:
        return ""
    return _choice_names(tuple(choices)).get(text.lower(), text)


class ClientImportForm(ClientForm):
    general_consent = forms.BooleanField(
        required=True,
        error_messages={
            "required": gettext_lazy(
                "Without the client's consent on file the client cannot be imported."
            )
        },
    )
    health_consent = forms.BooleanField(required=False)
    paper_location = forms.CharField(max_length=100)
    registered_on = forms.DateField(required=False)

    class Meta(ClientForm.Meta):
        pass

    def clean_registered_on(self):
        value = self.cleaned_data.get("registered_on")
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("The registration date cannot be in the future."))
        return value


def _bool(text: str):
    t = (text or "").strip().lower()
    if t in YES:
        return "on"
    if t in NO:
        return ""
    return "invalid"


class ClientImporter(Importer):
    _local = threading.local()
    key = "clients"
    label = gettext_lazy("Clients")
    columns = [
        Column(
            "name",
            gettext_lazy("Full name"),
            required=True,
            example="张三",
            aliases=["姓名", "名称", "Name"],
        ),
        Column("gender", gettext_lazy("Gender"), example="女", help=gettext_lazy("女 / 男")),
        Column(
            "birth_date",
            gettext_lazy("Birth date"),
            example="1990-03-07",
            text=False,
            help=gettext_lazy("A date, e.g. 1990-03-07"),
        ),
        Column("phone", gettext_lazy("Phone"), example="13812345678"),
        Column(
            "id_number",
            gettext_lazy("ID number"),
            example="110101199003071233",
            help=gettext_lazy("Optional; as text, 18 characters"),
        ),
        Column("occupation", gettext_lazy("Occupation"), example="教师"),
        Column("address", gettext_lazy("Address"), example=""),
        Column("source", gettext_lazy("Source"), example="walked in"),
        Column(
            "general_consent",
            gettext_lazy("Consent to processing"),
            required=True,
            example="是",
            help=gettext_lazy("是 / 否: the client signed the consent on the paper form"),
        ),
        Column(
            "health_consent",
            gettext_lazy("Separate consent to health data"),
            example="否",
            help=gettext_lazy("是 / 否"),
        ),
        Column(
            "paper_location",
            gettext_lazy("Paper form archive location"),
            required=True,
            example="2023 档案盒 3",
        ),
        Column(
            "registered_on",
            gettext_lazy("Registered on"),
            example="2023-05-20",
            text=False,
            help=gettext_lazy("The first visit; gives the month of the client code"),
        ),
    ]

    def allowed(self, user, store) -> bool:
        return scope_for(user, store, RECORD, "create") is not None

    def form(self, data: dict, *, store):
        data = dict(data)
        data["gender"] = _choice(data.get("gender", ""), Gender.choices) or Gender.UNSTATED
        data["source"] = _choice(data.get("source", ""), Source.choices)
        for name in ("general_consent", "health_consent"):
            value = _bool(data.get(name, ""))
            data[name] = value
        form = self._blank_form()
        form.data = data
        for name in ("general_consent", "health_consent"):
            if data[name] == "invalid":
                form.is_valid()
                form.add_error(name, _("Write 是 or 否 (yes or no)."))
        return form

    def _blank_form(self) -> ClientImportForm:
        """One form per thread, rebound to each row: building a form deep-copies its fields,
        which costs more than checking the row. (The form keeps no state between rows but
        what is reset here.)"""
        form = getattr(self._local, "form", None)
        if form is None:
            form = self._local.form = ClientImportForm({})
        form.is_bound = True
        form._errors = None
        form._bound_fields_cache = {}
        form.__dict__.pop("cleaned_data", None)
        return form

    def check(self, rows, *, actor, store):
        """Duplicates within the file and against the store (blind index), and code capacity."""
        problems: dict[int, dict[str, str]] = {}
        labels = {"phone": _("phone number"), "id_number": _("ID number")}
        for field in ("phone", "id_number"):
            first_row: dict[str, int] = {}
            wanted: dict[str, list[int]] = {}
            for number, data in rows:
                value = data.get(field)
                if not value:
                    continue
                key = blind.normalise(field, value)
                if key in first_row:
                    problems.setdefault(number, {})[field] = _(
                        "The same %(what)s is in row %(row)s."
                    ) % {"what": labels[field], "row": first_row[key]}
                    continue
                first_row[key] = number
                for index in blind.blind_indexes(field, value):
                    wanted.setdefault(index, []).append(number)
            indexes = list(wanted)
            existing = {}
            for start in range(0, len(indexes), 500):
                chunk = indexes[start : start + 500]
                for code, index in Client.objects.filter(
                    store=store, **{f"{field}_index__in": chunk}
                ).values_list("code", f"{field}_index"):
                    existing[index] = code
            visible = set(
                scoped_clients(actor=actor, store=store)
                .filter(code__in=list(existing.values()))
                .values_list("code", flat=True)
            )
            for index, code in existing.items():
                for number in wanted[index]:
                    if code in visible:
                        message = _("This %(what)s is already registered for client %(code)s.")
                    else:
                        message = _("This %(what)s is already registered for another client.")
                    problems.setdefault(number, {})[field] = message % {
                        "what": labels[field],
                        "code": code,
                    }
        # KH codes: at most 9999 a month.
        months: dict[str, int] = {}
        today = timezone.localdate()
        for _number, data in rows:
            on = data.get("registered_on") or today
            months[on.strftime("%y%m")] = months.get(on.strftime("%y%m"), 0) + 1
        used = dict(
            CodeSequence.objects.filter(family="KH", scope__in=list(months)).values_list(
                "scope", "last_serial"
            )
        )
        full = [m for m, n in months.items() if used.get(m, 0) + n > 9999]
        if full:
            number = rows[0][0]
            problems.setdefault(number, {})["registered_on"] = _(
                "More clients than client codes left in month(s) %(months)s (9999 a month): "
                "give the registration dates, or import in smaller parts."
            ) % {"months": ", ".join(f"20{m[:2]}-{m[2:]}" for m in sorted(full))}
        return problems

    def save(self, rows, *, actor, store, job) -> int:
        notice = notice_current()
        if notice is None:
            raise ValidationError(
                _("No privacy notice is in force; the administrator must add one.")
            )
        review = StoreClientSettings.for_store(store).review_new_clients
        status = ClientStatus.PENDING if review else ClientStatus.ACTIVE
        now = timezone.now()
        today = timezone.localdate()
        clients = []
        for data in rows:
            on = data.get("registered_on") or today
            clients.append(
                Client(
                    store=store,
                    code=allocate_code("KH", on=on),
                    name=data["name"],
                    gender=data.get("gender") or Gender.UNSTATED,
                    birth_date=data.get("birth_date"),
                    phone=data.get("phone") or "",
                    id_number=data.get("id_number") or "",
                    occupation=data.get("occupation") or "",
                    address=data.get("address") or "",
                    source=data.get("source") or "",
                    status=status,
                    general_consent=True,
                    health_consent=bool(data.get("health_consent")),
                    confirmation=Confirmation.PAPER,
                    paper_location=data["paper_location"],
                    created_by=actor,
                    updated_by=actor,
                )
            )
        Client.objects.bulk_create(clients, batch_size=500)
        if clients and clients[0].pk is None:  # a database that does not return keys
            by_code = dict(
                Client.objects.filter(code__in=[c.code for c in clients]).values_list("code", "pk")
            )
            for c in clients:
                c.pk = c.id = by_code[c.code]
        keys, consents = [], []
        for client, data in zip(clients, rows, strict=True):
            keys += [SearchKey(client=client, store=store, key=k) for k in name_keys(client.name)]
            at = data.get("registered_on")
            at = timezone.make_aware(dt.datetime.combine(at, dt.time(12))) if at else now
            consents += Consent.given(
                client,
                notice=notice,
                channel=Channel.IMPORT,
                at=at,
                witness=actor,
                note=_("imported; paper form: %(where)s") % {"where": client.paper_location},
            )
        SearchKey.objects.bulk_create(keys, batch_size=1000)
        Consent.objects.bulk_create(consents, batch_size=1000)
        codes = sorted(c.code for c in clients)
        operation_log(
            actor=actor,
            action="import",
            record_type=RECORD,
            record_id="*",
            changes={
                "job": [None, job.pk],
                "count": [None, len(clients)],
                "codes": [None, f"{codes[0]} … {codes[-1]}" if codes else ""],
                "status": [None, status],
            },
            store=store,
        )
        return len(clients)
