"""Attendance (考勤, STF-4): weekly working hours, clock records, leave, overtime.

Public holidays and make-up working days (调休) come from ``chinese_calendar`` (see
``attendance.calendar``), never from a hand-kept list.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from anxin.accounts.models import Store
from anxin.core.models import TrackedModel
from anxin.staff.models import StaffMember


class CalendarRule(models.TextChoices):
    PUBLIC = "public", _("national calendar: off on public holidays, working on make-up days")
    ROSTER = "roster", _("shop roster: the weekly pattern every week, holidays included")


class WorkPattern(TrackedModel):
    """A person's working hours: one shift per weekday at most (``week``: {"0": ["09:00",
    "18:00"], …}, 0 = Monday), and which calendar they follow."""

    member = models.OneToOneField(
        StaffMember,
        on_delete=models.CASCADE,
        related_name="work_pattern",
        verbose_name=_("staff file"),
    )
    calendar = models.CharField(
        _("calendar"), max_length=10, choices=CalendarRule.choices, default=CalendarRule.ROSTER
    )
    week = models.JSONField(_("weekly hours"), default=dict, blank=True)

    class Meta:
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")

    def __str__(self):
        return f"{self.member} {self.get_calendar_display()}"


class ClockRecord(models.Model):
    """One stretch of work: clocked in, and (once done) clocked out."""

    member = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, related_name="clock_records",
        verbose_name=_("staff file"),
    )  # fmt: skip
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store")
    )
    clock_in = models.DateTimeField(_("clocked in"))
    clock_out = models.DateTimeField(_("clocked out"), null=True, blank=True)
    corrected = models.BooleanField(_("entered by the attendance clerk"), default=False)
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("recorded by"),
    )  # fmt: skip

    class Meta:
        ordering = ["-clock_in"]
        verbose_name = _("clock record")
        verbose_name_plural = _("clock records")
        indexes = [models.Index(fields=["store", "clock_in"], name="attendance_clock_store_in")]
        constraints = [
            models.CheckConstraint(
                condition=Q(clock_out__isnull=True) | Q(clock_out__gt=F("clock_in")),
                name="attendance_out_after_in",
            ),
            # One open stretch per person: clocking in twice is refused by the database too.
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(clock_out__isnull=True),
                name="attendance_one_open_clock",
            ),
        ]

    def __str__(self):
        return f"{self.member} {self.clock_in:%Y-%m-%d %H:%M}"

    @property
    def hours(self) -> Decimal:
        if self.clock_out is None:
            return Decimal("0")
        seconds = (self.clock_out - self.clock_in).total_seconds()
        return (Decimal(seconds) / 3600).quantize(Decimal("0.01"))


class LeaveKind(models.TextChoices):
    ANNUAL = "annual", _("annual leave")
    SICK = "sick", _("sick leave")
    PERSONAL = "personal", _("personal leave")
    COMPENSATORY = "compensatory", _("time off in lieu")
    MARRIAGE = "marriage", _("marriage leave")
    MATERNITY = "maternity", _("maternity or paternity leave")
    BEREAVEMENT = "bereavement", _("bereavement leave")
    OTHER = "other", _("other leave")


class LeaveState(models.TextChoices):
    PENDING = "pending", _("waiting for approval")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")
    WITHDRAWN = "withdrawn", _("withdrawn")


class LeaveRequest(TrackedModel):
    """A request for leave (请假); a manager approves or rejects it."""

    member = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, related_name="leave_requests",
        verbose_name=_("staff file"),
    )  # fmt: skip
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store")
    )
    kind = models.CharField(_("kind of leave"), max_length=20, choices=LeaveKind.choices)
    start = models.DateTimeField(_("from"))
    end = models.DateTimeField(_("until"))
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=LeaveState.choices, default=LeaveState.PENDING
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("to be approved by"),
        help_text=_("Empty: any manager of the store"),
    )  # fmt: skip
    needs_attention = models.BooleanField(
        _("needs a new approver"),
        default=False,
        help_text=_("The chosen approver left before deciding."),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("decided by"),
    )  # fmt: skip
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=300, blank=True)

    class Meta:
        ordering = ["-start"]
        verbose_name = _("leave request")
        verbose_name_plural = _("leave requests")
        indexes = [
            models.Index(fields=["store", "state"], name="attendance_leave_state"),
            # The leave list's keyset pages, newest first (issue 11).
            models.Index(fields=["store", "start", "id"], name="attendance_leave_start"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="attendance_leave_order"),
            models.CheckConstraint(
                condition=Q(state="pending") | Q(decided_at__isnull=False),
                name="attendance_leave_decided_at",
            ),
        ]

    def __str__(self):
        return f"{self.member} {self.get_kind_display()} {self.start:%Y-%m-%d}"


class OvertimeRecord(TrackedModel):
    """Overtime worked (加班), recorded by the attendance clerk or a manager."""

    member = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, related_name="overtime",
        verbose_name=_("staff file"),
    )  # fmt: skip
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store")
    )
    date = models.DateField(_("date"))
    hours = models.DecimalField(
        _("hours"),
        max_digits=4,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.25")), MaxValueValidator(Decimal("16"))],
    )
    reason = models.CharField(_("reason"), max_length=200)

    class Meta:
        ordering = ["-date"]
        verbose_name = _("overtime record")
        verbose_name_plural = _("overtime records")
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gt=0) & Q(hours__lte=16), name="attendance_overtime_hours"
            )
        ]

    def __str__(self):
        return f"{self.member} {self.date} {self.hours}h"
