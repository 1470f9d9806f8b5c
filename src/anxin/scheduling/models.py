"""Appointments (预约, YY codes), rooms and beds, and the rotation queue (排钟).

A booking holds a practitioner from ``start`` to ``end`` plus the store's rest gap, and a room
or bed from ``start`` to ``end``. Overlaps are refused inside the booking's transaction (see
``services.appointment_book``), so concurrent attempts at one slot give exactly one booking.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from anxin.accounts.models import Store
from anxin.clients.models import Client, ClockType
from anxin.core.models import CodedModel, TrackedModel

__all__ = ["Appointment", "ClockType", "QueueEntry", "Room", "Status"]


class Room(TrackedModel):
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, related_name="rooms", verbose_name=_("store")
    )
    name = models.CharField(_("name"), max_length=40)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["store", "name"]
        verbose_name = _("room or bed")
        verbose_name_plural = _("rooms and beds")
        constraints = [
            models.UniqueConstraint(fields=["store", "name"], name="scheduling_room_name_unique")
        ]

    def __str__(self):
        return self.name


class Status(models.TextChoices):
    BOOKED = "booked", _("booked")
    IN_SERVICE = "in_service", _("in service")
    DONE = "done", _("done")
    CANCELLED = "cancelled", _("cancelled")
    NO_SHOW = "no_show", _("no-show")


# The states that hold the practitioner's and the room's time.
HOLDING = (Status.BOOKED, Status.IN_SERVICE, Status.DONE)


class Appointment(CodedModel):
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("store")
    )
    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("client")
    )
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="appointments",
        verbose_name=_("practitioner"),
    )
    room = models.ForeignKey(
        Room,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appointments",
        verbose_name=_("room or bed"),
    )
    item = models.ForeignKey(
        "catalogue.ServiceItem",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("service item"),
    )
    item_name = models.CharField(_("service item"), max_length=60)
    start = models.DateTimeField(_("start"), db_index=True)
    end = models.DateTimeField(_("end"))
    # end + the rest gap: the practitioner is not bookable again before this.
    busy_until = models.DateTimeField(editable=False)
    clock_type = models.CharField(
        _("clock type"), max_length=12, choices=ClockType.choices, default=ClockType.NAMED
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.BOOKED, db_index=True
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    reminded_at = models.DateTimeField(_("reminder sent"), null=True, blank=True, editable=False)
    # 上钟 / 下钟: when the service really started and ended, and the record it produced.
    started_at = models.DateTimeField(_("service started"), null=True, blank=True)
    ended_at = models.DateTimeField(_("service ended"), null=True, blank=True)
    service_record = models.OneToOneField(
        "clients.ServiceRecord",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appointment",
        verbose_name=_("service record"),
    )

    class Meta:
        ordering = ["start", "code"]
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        indexes = [
            models.Index(fields=["practitioner", "start"], name="appt_practitioner_start"),
            models.Index(fields=["room", "start"], name="appt_room_start"),
            # The calendar: one store's bookings over a day or a week.
            models.Index(fields=["store", "start"], name="appt_store_start"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="appt_end_after_start"
            )
        ]

    def __str__(self):
        return self.code


class QueueState(models.TextChoices):
    WAITING = "waiting", _("waiting")
    SUSPENDED = "suspended", _("suspended")


class QueueEntry(models.Model):
    """One on-duty practitioner in a store's rotation queue for one day."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("day"))
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="queue_entries"
    )
    position = models.PositiveIntegerField(_("position"))
    state = models.CharField(
        _("state"), max_length=10, choices=QueueState.choices, default=QueueState.WAITING
    )
    rotation_count = models.PositiveIntegerField(_("rotation services today"), default=0)
    last_end = models.DateTimeField(_("end of last service"), null=True, blank=True)

    class Meta:
        ordering = ["store", "day", "position"]
        verbose_name = _("rotation queue entry")
        verbose_name_plural = _("rotation queue entries")
        constraints = [
            models.UniqueConstraint(
                fields=["store", "day", "practitioner"], name="queue_one_entry_per_day"
            )
        ]

    def __str__(self):
        return f"{self.day} #{self.position} {self.practitioner}"
