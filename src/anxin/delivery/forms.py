import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anxin.accounts.names import person_name
from anxin.catalogue.models import ServiceItem
from anxin.clients.forms import ClientField
from anxin.clients.models import MAX_AMOUNT, ClockType
from anxin.core.forms import Form
from anxin.core.models import Category, CategoryKind
from anxin.core.widgets import ModelChoiceField, Select

from .models import SuggestionState, TaskKind

TEXT_LIMIT = 2000


class PersonChoiceField(forms.ModelChoiceField):
    """The store's people by the names people read (their staff files, read with them)."""

    widget = Select
    store = None

    def label_from_instance(self, obj):
        return person_name(obj, self.store)


class ItemChoiceField(ModelChoiceField):
    """A store's items: options rendered in one pass, read with only what they show (issue 11)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, choice_columns=("code", "name", "price", "duration"), **kwargs)

    def label_from_instance(self, obj):
        return _("%(name)s, %(price)s yuan, %(minutes)s minutes (%(code)s)") % {
            "name": obj.name,
            "price": obj.price,
            "minutes": obj.duration,
            "code": obj.code,
        }


class ServiceRecordForm(Form):
    """Ordered for speed by keyboard: client, item, amount (Enter there saves), the rest.

    A practitioner: Down, Enter for the most recent client (or type a name, initials, a phone
    or the code), Tab, arrow to the item, Tab, Enter — the amount defaults to the item's price
    after any promotion, the time to now."""

    client = ClientField()
    item = ItemChoiceField(label=_("Service item"), queryset=None, empty_label=_("— choose —"))
    amount = forms.DecimalField(
        label=_("Amount (yuan)"),
        required=False,
        max_digits=12,
        decimal_places=2,
        help_text=_("Leave empty for the item's price after any promotion."),
    )
    practitioner = forms.ModelChoiceField(
        label=_("Practitioner"),
        queryset=None,
        required=False,
        empty_label=_("— choose —"),
        widget=Select,
    )
    clock_type = forms.ChoiceField(
        label=_("Clock type"), required=False, choices=[("", _("not given")), *ClockType.choices]
    )
    products_sold = forms.CharField(label=_("Products sold"), required=False, max_length=200)
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    served_at = forms.DateTimeField(
        label=_("Time of the service"),
        required=False,
        help_text=_("Leave empty for now."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def __init__(
        self, *args, store, actor, items, recent=(), practitioners=None, request=None, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.store, self.actor, self.request = store, actor, request
        self.fields["client"].offer(recent)
        # The first field to fill takes the focus: the item when the client is given.
        first = "item" if self.initial.get("client") else "client"
        self.fields[first].widget.attrs["autofocus"] = True
        self.fields["item"].queryset = items
        if practitioners is None:
            del self.fields["practitioner"]
        else:
            self.fields["practitioner"].queryset = practitioners
            self.fields["practitioner"].label = store.practitioner_term.capitalize()

    def clean_client(self):
        """The client the typed text names, among those this person may see (logged)."""
        return self.fields["client"].resolve(
            self.cleaned_data["client"], actor=self.actor, store=self.store, request=self.request
        )

    def clean_amount(self):
        amount = self.cleaned_data.get("amount")
        if amount is not None:
            if amount < 0:
                raise forms.ValidationError(_("An amount cannot be negative."))
            if amount > MAX_AMOUNT:
                raise forms.ValidationError(
                    _("An amount above %(max)s yuan for one service is not plausible.")
                    % {"max": MAX_AMOUNT}
                )
        return amount


class CorrectionForm(Form):
    served_at = forms.DateTimeField(
        label=_("Time of the service"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    amount = forms.DecimalField(label=_("Amount (yuan)"), max_digits=12, decimal_places=2)
    clock_type = forms.ChoiceField(
        label=_("Clock type"), required=False, choices=[("", _("not given")), *ClockType.choices]
    )
    products_sold = forms.CharField(label=_("Products sold"), required=False, max_length=200)
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    reason = forms.CharField(label=_("Reason for the correction"), max_length=500)


class NotesAddForm(Form):
    """What the practitioner adds to the notes of their own service, the same day."""

    text = forms.CharField(
        label=_("Notes to add"),
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Added below the notes already there; nothing already saved changes."),
    )


class FeedbackForm(Form):
    score = forms.TypedChoiceField(
        label=_("Satisfaction"),
        coerce=int,
        choices=[
            (5, _("5 — very satisfied")),
            (4, _("4 — satisfied")),
            (3, _("3 — neutral")),
            (2, _("2 — unsatisfied")),
            (1, _("1 — very unsatisfied")),
        ],
    )
    comments = forms.CharField(
        label=_("Comments"),
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class FeedbackCorrectionForm(FeedbackForm):
    """A score already given changes only with a reason (kept with the old score)."""

    reason = forms.CharField(label=_("Reason for the correction"), max_length=500)


class FollowUpForm(Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=TaskKind.choices)
    assignee = PersonChoiceField(label=_("Assigned to"), queryset=None)
    due_on = forms.DateField(label=_("Due on"), widget=forms.DateInput(attrs={"type": "date"}))
    instructions = forms.CharField(
        label=_("Instructions"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, people, store=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = people
        self.fields["assignee"].store = store
        if not self.is_bound:
            self.initial.setdefault("due_on", timezone.localdate() + dt.timedelta(days=3))


class TaskDoneForm(Form):
    outcome = forms.CharField(
        label=_("Outcome"), max_length=TEXT_LIMIT, widget=forms.Textarea(attrs={"rows": 2})
    )
    score = forms.TypedChoiceField(
        label=_("Satisfaction given (if asked)"),
        coerce=int,
        required=False,
        empty_value=None,
        choices=[("", _("not asked"))] + [(n, str(n)) for n in range(5, 0, -1)],
    )


class SuggestionForm(Form):
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Category.objects.filter(kind=CategoryKind.DEPARTMENT, active=True),
    )
    text = forms.CharField(
        label=_("Suggestion"), max_length=TEXT_LIMIT, widget=forms.Textarea(attrs={"rows": 3})
    )


class SuggestionUpdateForm(Form):
    state = forms.ChoiceField(label=_("State"), choices=SuggestionState.choices)
    resolution = forms.CharField(
        label=_("What was done"),
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


__all__ = ["ServiceItem"]
