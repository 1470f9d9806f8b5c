from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from anxin.accounts.names import person_name
from anxin.catalogue.models import ServiceItem
from anxin.clients.forms import ClientField
from anxin.core.forms import Form
from anxin.core.widgets import CheckboxSelectMultiple, ModelChoiceField, Select

from .models import Room
from .services import QUEUE_ACTIONS

ROTATION = "rotation"
# What an item's option shows (``_item_label``, ``ItemSelect``'s duration).
ITEM_COLUMNS = ("code", "name", "duration")


class DateInput(forms.DateInput):
    input_type = "date"


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def format_value(self, value):
        if hasattr(value, "strftime"):
            if timezone.is_aware(value):
                value = timezone.localtime(value)
            return value.strftime("%Y-%m-%dT%H:%M")
        return value


class DayForm(Form):
    day = forms.DateField(label=_("Day"), widget=DateInput)


class CalendarForm(Form):
    """The calendar's choices: a day, a day or a week, columns by practitioner or by room, and
    for a week whose practitioner. Anything invalid falls back to the default."""

    day = forms.DateField(label=_("Day"), widget=DateInput, required=False)
    view = forms.ChoiceField(
        label=_("View"),
        choices=[
            ("day", pgettext_lazy("calendar view", "Day")),
            ("week", pgettext_lazy("calendar view", "Week")),
        ],
        required=False,
    )
    by = forms.ChoiceField(
        label=_("Columns"),
        choices=[],
        required=False,
    )
    practitioner = forms.TypedChoiceField(
        label=_("Practitioner"), coerce=int, required=False, empty_value=None, widget=Select
    )

    def __init__(self, *args, store, practitioners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practitioner"].label = store.practitioner_term.capitalize()
        self.fields["practitioner"].choices = [
            (str(p.pk), person_name(p, store)) for p in practitioners
        ]
        self.fields["by"].choices = [
            ("practitioner", store.practitioner_term.capitalize()),
            ("room", _("Rooms and beds")),
        ]

    def show_practitioner(self, person) -> None:
        """The week shown is ``person``'s: the choice says so, whatever was asked."""
        if self.is_bound:
            self.data = self.data.copy()
            self.data["practitioner"] = str(person.pk)
        else:
            self.initial["practitioner"] = person.pk

    def value(self, name, default):
        """The cleaned value of ``name``, or ``default`` when missing or invalid."""
        if not self.is_bound or name in self.errors:
            return default
        return self.cleaned_data.get(name) or default


class ItemSelect(Select):
    """Each item says its usual duration (``data-minutes``): ``booking.js`` shows it as the
    duration the booking takes when none is given."""

    class Media:
        js = [forms.Script("anxin/booking.js", defer=True)]

    def option_attrs(self, value) -> dict:
        instance = getattr(value, "instance", None)
        if instance is not None and instance.duration:
            return {"data-minutes": str(instance.duration)}
        return {}


class BookingForm(Form):
    client = ClientField()
    practitioner = forms.ChoiceField(label=_("Practitioner"), widget=Select)
    item = ModelChoiceField(
        label=_("Service item"),
        queryset=ServiceItem.objects.none(),
        widget=ItemSelect,
        choice_columns=ITEM_COLUMNS,
    )
    minutes = forms.IntegerField(
        label=_("Duration (minutes)"),
        min_value=1,
        max_value=720,
        required=False,
        help_text=_("Leave empty for the item's usual duration."),
        widget=forms.NumberInput(
            attrs={"data-usual-hint": _("Leave empty for the item's usual duration: %s minutes.")}
        ),
    )
    start = forms.DateTimeField(label=_("Start"), widget=DateTimeInput)
    room = forms.ModelChoiceField(
        label=_("Room or bed"), queryset=Room.objects.none(), required=False, widget=Select
    )

    def __init__(self, *args, store, practitioners, actor=None, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.store, self.actor, self.request = store, actor, request
        self.fields["practitioner"].label = store.practitioner_term.capitalize()
        self.fields["practitioner"].choices = [
            (ROTATION, _("Whoever is next in the rotation queue (轮钟)")),
            *[(str(p.pk), person_name(p, store)) for p in practitioners],
        ]
        self.fields["room"].queryset = Room.objects.filter(store=store, active=True)
        self.fields["item"].queryset = ServiceItem.objects.filter(store=store, active=True)
        self.fields["item"].label_from_instance = _item_label
        self.fields["room"].empty_label = _("No room needed")
        # The first field to fill takes the focus: the practitioner when the client is given.
        first = "practitioner" if self.initial.get("client") else "client"
        self.fields[first].widget.attrs["autofocus"] = True
        item = self["item"].value() if self.is_bound else None
        if item and str(item).isdigit():
            chosen = self.fields["item"].queryset.filter(pk=item).first()
            if chosen is not None and chosen.duration:
                self.fields["minutes"].help_text = _(
                    "Leave empty for the item's usual duration: %s minutes."
                ) % (chosen.duration,)

    def clean_client(self):
        """The client the typed text names, among those this person may see (logged)."""
        return self.fields["client"].resolve(
            self.cleaned_data["client"], actor=self.actor, store=self.store, request=self.request
        )


class ReasonForm(Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class RescheduleForm(ReasonForm):
    start = forms.DateTimeField(label=_("New start"), widget=DateTimeInput)
    field_order = ["start", "reason"]


def _item_label(item) -> str:
    return _("%(name)s, %(minutes)s minutes (%(code)s)") % {
        "name": item.name,
        "minutes": item.duration,
        "code": item.code,
    }


class FreeSlotForm(Form):
    """The free slots for a service item (its usual duration) or a duration, on one day."""

    day = forms.DateField(label=_("Day"), widget=DateInput)
    item = ModelChoiceField(
        label=_("Service item"),
        queryset=ServiceItem.objects.none(),
        required=False,
        choice_columns=ITEM_COLUMNS,
    )
    minutes = forms.IntegerField(
        label=_("Duration (minutes)"),
        min_value=1,
        max_value=720,
        required=False,
        help_text=_("Leave empty for the item's usual duration."),
    )

    def __init__(self, *args, store, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = ServiceItem.objects.filter(store=store, active=True)
        self.fields["item"].label_from_instance = _item_label
        self.fields["item"].empty_label = _("Any item: give the duration")

    def clean(self):
        data = super().clean()
        item = data.get("item")
        if not data.get("minutes"):
            if item is not None and item.duration:
                data["minutes"] = item.duration
            elif "minutes" not in self.errors:
                self.add_error("minutes", _("Choose a service item or give the duration."))
        return data


class QueueOpenForm(Form):
    practitioners = forms.MultipleChoiceField(
        label=_("On duty today, in queue order"), widget=CheckboxSelectMultiple
    )

    def __init__(self, *args, practitioners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practitioners"].choices = [(str(p.pk), person_name(p)) for p in practitioners]


class QueueAdjustForm(ReasonForm):
    action = forms.ChoiceField(
        label=_("Change"),
        choices=list(
            zip(
                QUEUE_ACTIONS,
                [_("Move to the head"), _("Move to the tail"), _("Suspend"), _("Resume")],
                strict=True,
            )
        ),
    )
    field_order = ["action", "reason"]
