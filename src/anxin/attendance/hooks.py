"""Where other apps plug into attendance.

Bookings: the appointments app registers a lookup so that leave overlapping existing bookings is
refused with the bookings listed (STF-4, BIZ-3)::

    from anxin.attendance import hooks
    hooks.register_booking_lookup(lambda *, member, start, end: [
        f"{b.code} {b.start:%m-%d %H:%M}" for b in Booking.objects.filter(...)])

Each lookup returns human-readable descriptions of the bookings of ``member`` (a
``staff.StaffMember``) overlapping ``[start, end)``; empty when none.
"""

from collections.abc import Callable

_BOOKING_LOOKUPS: list[Callable[..., list[str]]] = []


def register_booking_lookup(lookup: Callable[..., list[str]]) -> None:
    if lookup not in _BOOKING_LOOKUPS:
        _BOOKING_LOOKUPS.append(lookup)


def unregister_booking_lookup(lookup) -> None:
    if lookup in _BOOKING_LOOKUPS:
        _BOOKING_LOOKUPS.remove(lookup)


def bookings_during(*, member, start, end) -> list[str]:
    """Every registered app's bookings of ``member`` overlapping ``[start, end)``."""
    found: list[str] = []
    for lookup in _BOOKING_LOOKUPS:
        found.extend(lookup(member=member, start=start, end=end))
    return found
