import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from anxin.core.forms import Form

from .models import CalendarRule, LeaveKind

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
WEEKDAYS = [
    _("Monday"),
    _("Tuesday"),
    _("Wednesday"),
    _("Thursday"),
    _("Friday"),
    _("Saturday"),
    _("Sunday"),
]


class LeaveForm(Form):
    kind = forms.ChoiceField(label=_("Kind of leave"), choices=LeaveKind.choices)
    start = forms.DateTimeField(label=_("From"), widget=DATETIME)
    end = forms.DateTimeField(label=_("Until"), widget=DATETIME)
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)
    approver = forms.ChoiceField(label=_("To be approved by"), required=False)

    def __init__(self, *args, approvers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.approvers = {str(u.pk): u for u in approvers}
        self.fields["approver"].choices = [("", _("any manager of the store"))] + [
            (str(u.pk), str(u)) for u in approvers
        ]

    def clean_approver(self):
        value = self.cleaned_data.get("approver")
        return self.approvers.get(value) if value else None

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            self.add_error("end", _("The leave must end after it starts."))
        return data


class DecideForm(Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("reject", _("Reject"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note"), max_length=300, required=False, help_text=_("Required when rejecting")
    )


class PatternForm(Form):
    calendar = forms.ChoiceField(
        label=_("Calendar"), choices=CalendarRule.choices, widget=forms.RadioSelect
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for day, name in enumerate(WEEKDAYS):
            self.fields[f"start_{day}"] = forms.TimeField(
                label=_("%(day)s: start") % {"day": name}, required=False, widget=TIME
            )
            self.fields[f"end_{day}"] = forms.TimeField(
                label=_("%(day)s: end") % {"day": name}, required=False, widget=TIME
            )

    def clean(self):
        data = super().clean()
        for day in range(7):
            start, end = data.get(f"start_{day}"), data.get(f"end_{day}")
            if bool(start) != bool(end):
                self.add_error(f"end_{day}", _("Give both the start and the end, or neither."))
            elif start and end and end <= start:
                self.add_error(f"end_{day}", _("The end of work must be after its start."))
        return data

    def week(self) -> dict:
        data = self.cleaned_data
        return {
            str(day): [data[f"start_{day}"].strftime("%H:%M"), data[f"end_{day}"].strftime("%H:%M")]
            for day in range(7)
            if data.get(f"start_{day}") and data.get(f"end_{day}")
        }

    @staticmethod
    def initial_from(pattern) -> dict:
        if pattern is None:
            return {"calendar": CalendarRule.ROSTER}
        initial = {"calendar": pattern.calendar}
        for day, hours in (pattern.week or {}).items():
            initial[f"start_{day}"] = dt.time.fromisoformat(hours[0])
            initial[f"end_{day}"] = dt.time.fromisoformat(hours[1])
        return initial


class ClockEntryForm(Form):
    clock_in = forms.DateTimeField(label=_("Clocked in"), widget=DATETIME)
    clock_out = forms.DateTimeField(label=_("Clocked out"), widget=DATETIME, required=False)
    note = forms.CharField(label=_("Why entered by hand"), max_length=200)

    def clean(self):
        data = super().clean()
        if data.get("clock_in") and data.get("clock_out") and data["clock_out"] <= data["clock_in"]:
            self.add_error("clock_out", _("The clock-out time must be after the clock-in time."))
        return data


class OvertimeForm(Form):
    date = forms.DateField(label=_("Date"), widget=DATE)
    hours = forms.DecimalField(
        label=_("Hours"), min_value=0.25, max_value=16, decimal_places=2, max_digits=4
    )
    reason = forms.CharField(label=_("Reason"), max_length=200)


class MonthForm(Form):
    month = forms.CharField(
        label=_("Month"),
        max_length=7,
        widget=forms.TextInput(attrs={"type": "month"}),
        help_text=_("Year and month, e.g. 2024-05"),
    )

    def clean_month(self):
        text = self.cleaned_data["month"].strip()
        try:
            first = dt.datetime.strptime(text, "%Y-%m").date()  # noqa: DTZ007 - a calendar month
        except ValueError:
            raise forms.ValidationError(_("Enter a month as YYYY-MM, e.g. 2024-05.")) from None
        if not 2000 <= first.year <= 2100:
            raise forms.ValidationError(_("Enter a month as YYYY-MM, e.g. 2024-05."))
        return first.year, first.month
