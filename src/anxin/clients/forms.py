from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from anxin.core.forms import Form, ModelForm, PersonNameField, SignatureField

from . import validation
from .models import Channel, Client, Confirmation, Consent, HealthFile, PrivacyNotice
from .notice import notice_current
from .services import EXPORTABLE, HEALTH_FIELDS, ConsentGiven


class ClientForm(ModelForm):
    """The client's details, checked the same way by the registration form and the import."""

    medical_history = forms.CharField(
        label=_("Medical history"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    allergies = forms.CharField(
        label=_("Allergies"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    conditions = forms.CharField(
        label=_("Special conditions"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    class Meta:
        model = Client
        fields = [
            "name",
            "gender",
            "birth_date",
            "phone",
            "id_number",
            "occupation",
            "address",
            "source",
        ]
        field_classes = {"name": PersonNameField}
        widgets = {
            # One text box, not the browser's date control (its day, month and year parts are
            # extra stops that swallowed typed digits): ISO whatever the language, with a hint.
            "birth_date": forms.DateInput(
                format="%Y-%m-%d", attrs={"inputmode": "numeric", "autocomplete": "bday"}
            ),
            "address": forms.TextInput(),
        }
        # A person's name is 姓名 ("full name"), not 名称 (the name of a thing).
        labels = {"name": _("full name")}
        help_texts = {
            "birth_date": _("Optional. Year-month-day, for example 1985-03-27."),
            "id_number": _("Optional. 18 characters; checked against the birth date."),
            "address": _("Only for services at the client's home."),
        }

    def clean_name(self):
        name = " ".join((self.cleaned_data.get("name") or "").split())
        if not name:
            raise forms.ValidationError(_("Enter the client's name."))
        return name

    def clean_birth_date(self):
        return validation.clean_birth_date(self.cleaned_data.get("birth_date"))

    def clean_phone(self):
        return validation.clean_phone(self.cleaned_data.get("phone"))

    def clean(self):
        data = super().clean()
        if data.get("id_number") and "birth_date" not in self.errors:
            try:
                data["id_number"] = validation.clean_id_number(
                    data["id_number"], birth_date=data.get("birth_date")
                )
            except forms.ValidationError as exc:
                self.add_error("id_number", exc)
        return data

    def _post_clean(self):
        # The model's own full_clean runs in the service (after the duplicate check); here only
        # the form's checks, so the same messages come back from the form and the import.
        pass

    def client_data(self) -> dict:
        fields = [*self.Meta.fields, *HEALTH_FIELDS]
        return {k: self.cleaned_data.get(k) for k in fields if k in self.cleaned_data}


SIGNATURE_MAX = 300_000


class RegistrationForm(ClientForm):
    """CLI-1: the details plus the consent under the notice shown, and the client's confirmation."""

    notice_version = forms.CharField(widget=forms.HiddenInput)
    general_consent = forms.BooleanField(
        label=_(
            "The client was shown (or read) the privacy notice above and agrees to the "
            "processing of their personal information for the purposes it states."
        ),
        required=True,
        error_messages={"required": _("Without the client's consent nothing can be registered.")},
    )
    health_consent = forms.BooleanField(
        label=_(
            "Separately, the client agrees to the processing of their health information "
            "(medical history, allergies, special conditions)."
        ),
        required=False,
        help_text=_("Without this consent no health information is recorded or shown."),
    )
    channel = forms.ChoiceField(
        label=_("How the consent was given"),
        choices=[c for c in Channel.choices if c[0] != Channel.IMPORT],
        initial=Channel.IN_STORE,
    )
    confirmation = forms.ChoiceField(
        label=_("The client confirms by"),
        choices=Confirmation.choices,
        widget=forms.RadioSelect,
        initial=Confirmation.SCREEN,
    )
    signature_name = forms.CharField(
        label=_("Client's name, typed by the client to confirm"),
        required=False,
        max_length=40,
        help_text=_("Or the client signs in the box below with finger or mouse."),
    )
    signature_image = SignatureField(
        required=False, max_length=SIGNATURE_MAX, widget=forms.HiddenInput
    )
    paper_location = forms.CharField(
        label=_("Where the signed paper form is archived"),
        required=False,
        max_length=100,
        help_text=_("For example: folder 2024-03, shelf B"),
    )

    field_order = [
        "name", "gender", "birth_date", "phone", "id_number", "occupation", "address", "source",
        "notice_version", "general_consent", "health_consent", "medical_history", "allergies",
        "conditions", "channel", "confirmation", "signature_name", "signature_image",
        "paper_location",
    ]  # fmt: skip

    def clean_notice_version(self):
        version = self.cleaned_data["notice_version"]
        notice = PrivacyNotice.objects.filter(version=version).first()
        current = notice_current()
        if notice is None or current is None or notice.pk != current.pk:
            raise forms.ValidationError(
                _("The privacy notice has changed since this page was opened: show it again.")
            )
        return notice

    def clean(self):
        data = super().clean()
        if any(data.get(k) for k in HEALTH_FIELDS) and not data.get("health_consent"):
            self.add_error(
                "health_consent",
                _(
                    "Health information can be recorded only with the client's separate "
                    "consent to the processing of health data."
                ),
            )
        if data.get("confirmation") == Confirmation.SCREEN:
            typed = "".join((data.get("signature_name") or "").split())
            if not typed and not data.get("signature_image"):
                self.add_error(
                    "signature_name", _("The client types their name, or signs in the box.")
                )
            elif typed and data.get("name") and typed != "".join(data["name"].split()):
                self.add_error(
                    "signature_name", _("The typed name differs from the client's name.")
                )
        elif (
            data.get("confirmation") == Confirmation.PAPER
            and not (data.get("paper_location") or "").strip()
        ):
            self.add_error("paper_location", _("Enter where the signed paper form is archived."))
        return data

    def consent(self):
        data = self.cleaned_data
        screen = data["confirmation"] == Confirmation.SCREEN
        return ConsentGiven(
            health=bool(data.get("health_consent")),
            channel=data["channel"],
            notice=data["notice_version"],
            confirmation=data["confirmation"],
            signature_name=data.get("signature_name", "") if screen else "",
            signature_image=data.get("signature_image", "") if screen else "",
            paper_location="" if screen else data.get("paper_location", "").strip(),
        )


class ConsentChangeForm(Form):
    kind = forms.ChoiceField(label=_("Consent to"), choices=Consent.Kind.choices)
    action = forms.ChoiceField(label=_("The client"), choices=Consent.Action.choices)
    channel = forms.ChoiceField(
        label=_("How"), choices=[c for c in Channel.choices if c[0] != Channel.IMPORT]
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=200)


class HealthAddForm(Form):
    field = forms.ChoiceField(
        label=_("Kind of information"),
        choices=[
            ("medical_history", _("Medical history")),
            ("allergies", _("Allergies")),
            ("conditions", _("Special conditions")),
        ],
    )
    text = forms.CharField(
        label=_("What you learned"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class ClientSettingsForm(Form):
    review_new_clients = forms.BooleanField(
        label=_("A supervisor reviews new clients before they become active"), required=False
    )


class SearchForm(Form):
    q = forms.CharField(
        label=_("Find a client"),
        max_length=80,
        required=False,
        help_text=_("Code, name, pinyin or initials (zhangsan, zs), phone or ID number"),
    )


class QualityForm(Form):
    months = forms.IntegerField(
        label=_("No visit for this many months"), min_value=1, max_value=60, initial=6
    )


class RevealForm(Form):
    PURPOSES = [
        ("booking", _("Confirm or change a booking")),
        ("service", _("Provide the service")),
        ("invoice", _("Issue an invoice or receipt")),
        ("client_request", _("The client asked for it")),
        ("other", _("Other (write it below)")),
    ]
    field = forms.ChoiceField(
        choices=[("phone", _("phone")), ("id_number", _("ID number")), ("address", _("address"))],
        widget=forms.HiddenInput,
    )
    purpose = forms.ChoiceField(label=_("Purpose"), choices=PURPOSES)
    detail = forms.CharField(label=_("Purpose, in your words"), required=False, max_length=200)

    def clean(self):
        data = super().clean()
        if data.get("purpose") == "other" and not data.get("detail", "").strip():
            raise forms.ValidationError(_("Say why you need to see it."))
        return data

    def purpose_text(self) -> str:
        data = self.cleaned_data
        label = dict(self.PURPOSES)[data["purpose"]]
        return f"{label}: {data['detail'].strip()}" if data.get("detail") else str(label)


class ExportForm(Form):
    fields = forms.MultipleChoiceField(
        label=_("Fields to export (only what the purpose needs)"),
        choices=[(k, v[0]) for k, v in EXPORTABLE.items()],
        widget=forms.CheckboxSelectMultiple,
    )
    purpose = forms.CharField(label=_("Purpose"), max_length=200)


__all__ = ["ClientForm", "ExportForm", "HealthFile", "RevealForm"]


# -- choosing a client by what one types (the booking and service-record forms) --------------


def client_option(client) -> dict:
    """A client as the combobox offers it; the text it fills in names the client by code."""
    text = f"{client.name} {client.code}"
    return {"value": text, "label": text}


def client_initial(request) -> dict:
    """A form opened from a client's file (``?client=KH…``) starts with that client, named as
    the combobox names them, if this person may see them (otherwise empty: the page does not
    say whether the code exists; the attempt is logged as any out-of-scope read)."""
    from . import selectors

    code = request.GET.get("client", "").strip()[:20]
    if request.method != "GET" or not selectors.CODE_IN_TEXT.fullmatch(code):
        return {}
    found = selectors.client_resolve(
        actor=request.user, store=request.store, text=code, request=request
    )
    return {"client": client_option(found.client)["value"]} if found.client else {}


class ClientCombobox(forms.TextInput):
    """A text box for a code, name, pinyin initials or phone. ``combobox.js`` turns it into a
    WAI-ARIA 1.2 combobox fed by ``clients:lookup``; without scripts the server resolves the
    text (``ClientField``). ``suggestions``: clients offered before anything is typed."""

    template_name = "clients/widgets/combobox.html"

    class Media:
        css = {"all": ["anxin/combobox.css"]}
        js = [forms.Script("anxin/combobox.js", defer=True)]

    def __init__(self, attrs=None):
        super().__init__(
            {"autocomplete": "off", "spellcheck": "false", "data-combobox": "", **(attrs or {})}
        )
        self.suggestions: list = []

    def get_context(self, name, value, attrs):
        from django.urls import reverse

        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        widget["attrs"]["data-lookup"] = reverse("clients:lookup")
        widget["attrs"]["data-listbox-label"] = _("Matching clients")
        if self.suggestions:
            widget["suggestions"] = self.suggestions
            widget["suggestions_id"] = f"{widget['attrs'].get('id', name)}_suggestions"
            widget["attrs"]["data-suggestions"] = widget["suggestions_id"]
            widget["attrs"]["data-suggestions-status"] = ngettext(
                "%(n)s recent client: press the down arrow to see it",
                "%(n)s recent clients: press the down arrow to see them",
                len(self.suggestions),
            ) % {"n": len(self.suggestions)}
        return context


class ClientField(forms.CharField):
    """The client, by what one types; the form resolves it to a ``Client`` (``resolve``)."""

    widget = ClientCombobox

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Client"))
        kwargs.setdefault("max_length", 80)
        kwargs.setdefault(
            "help_text",
            _("Type a name, pinyin initials (zs for 张三), a phone number or the client's code."),
        )
        kwargs.setdefault(
            "error_messages",
            {"required": _("Enter the client's name, pinyin initials, phone or code.")},
        )
        super().__init__(**kwargs)

    def offer(self, clients) -> None:
        """Offer these clients before anything is typed (the combobox's first suggestions)."""
        self.widget.suggestions = [client_option(c) for c in clients]

    def resolve(self, text, *, actor, store, request=None):
        """The one client ``text`` names in this person's scope, or a field error: several
        found (listed, with their codes: choose or type the code) or none."""
        from . import selectors

        found = selectors.client_resolve(actor=actor, store=store, text=text, request=request)
        if found.client is not None:
            return found.client
        if found.candidates:
            self.offer(found.candidates)
            shown = found.candidates[:AMBIGUOUS_SHOWN]
            names = str(LIST_SEPARATOR).join(f"{c.name} {c.code}" for c in shown)
            if found.more or len(found.candidates) > len(shown):
                names += "…"
            raise forms.ValidationError(
                _("Several clients match “%(text)s”: %(names)s. Choose one or type the code."),
                code="ambiguous",
                params={"text": text, "names": names},
            )
        raise forms.ValidationError(
            _("No client found for “%(text)s” among the clients you may see."),
            code="not_found",
            params={"text": text},
        )


AMBIGUOUS_SHOWN = 8
LIST_SEPARATOR = _(", ")  # 、 in Chinese
