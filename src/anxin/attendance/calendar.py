"""Chinese public holidays and make-up working days (调休), from ``chinese_calendar``.

The package knows the State Council's published arrangements, year by year; for a year it does
not know yet (``NotImplementedError``), a day is a workday Monday to Friday and that is said.
"""

import datetime as dt
import functools
from enum import StrEnum

import chinese_calendar


class DayKind(StrEnum):
    WORKDAY = "workday"  # an ordinary working day
    WEEKEND = "weekend"  # an ordinary Saturday or Sunday
    HOLIDAY = "holiday"  # a public holiday, or a weekday given off in lieu (法定节假日/调休休息)
    MAKEUP = "makeup"  # a weekend day worked to make up for a holiday (调休上班)


@functools.lru_cache(maxsize=8192)
def day_kind(day: dt.date) -> DayKind:
    """What kind of day this is in mainland China. Cached: the package is slow (~0.1 ms a
    call) and a day's kind never changes once the year's arrangements are published."""
    weekend = day.weekday() >= 5
    try:
        workday = chinese_calendar.is_workday(day)
        _off, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return DayKind.WEEKEND if weekend else DayKind.WORKDAY
    if workday:
        return DayKind.MAKEUP if weekend else DayKind.WORKDAY
    if name is not None:
        return DayKind.HOLIDAY
    return DayKind.WEEKEND if weekend else DayKind.HOLIDAY


def holiday_name(day: dt.date) -> str | None:
    """The holiday's English name as the package gives it (e.g. "National Day"), or None."""
    try:
        _off, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return None
    return name


def known(day: dt.date) -> bool:
    """Whether the package has the official arrangements for this day's year."""
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True
