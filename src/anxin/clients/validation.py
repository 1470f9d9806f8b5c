"""Checks shared by the registration form, the import and the data-quality report (CLI-1, STO-1).

Each returns the normalised value or raises ``ValidationError`` with a translated message meant
for the field it concerns.
"""

import datetime as dt
import functools

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.cn import ric
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength

OLDEST = dt.date(1900, 1, 1)


def clean_phone(value: str) -> str:
    """A Chinese phone number (mobile or landline with area code), digits only, national form."""
    value = (value or "").strip()
    if not value:
        return ""
    if len(value) > 30:
        raise ValidationError(_("This is not a phone number."), code="phone")
    try:
        number = phonenumbers.parse(value, "CN")
    except phonenumbers.NumberParseException:
        raise ValidationError(_("This is not a phone number."), code="phone") from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("This is not a valid phone number in China (mobile: 11 digits starting with 1)."),
            code="phone",
        )
    if number.country_code != 86:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return "".join(ch for ch in national if ch.isdigit())


def clean_id_number(value: str, *, birth_date: dt.date | None = None) -> str:
    """A resident ID number (居民身份证号码): length, check digit, birth date, region."""
    value = (value or "").strip().upper().replace(" ", "")
    if not value:
        return ""
    try:
        number = _validate_ric(value)
    except InvalidLength:
        raise ValidationError(_("An ID number has 18 characters."), code="id_length") from None
    except InvalidFormat:
        raise ValidationError(
            _("An ID number has 17 digits and then a digit or X."), code="id_format"
        ) from None
    except InvalidChecksum:
        raise ValidationError(
            _("The last character (check digit) does not match: check the number for a typo."),
            code="id_checksum",
        ) from None
    except InvalidComponent:
        try:
            ric.get_birth_date(value)
        except InvalidComponent:
            raise ValidationError(
                _("The birth date inside this ID number is not a real date."), code="id_date"
            ) from None
        raise ValidationError(
            _("The region code (first six digits) of this ID number does not exist."),
            code="id_region",
        ) from None
    if ric.get_birth_date(number) > timezone.localdate():
        raise ValidationError(
            _("The birth date inside this ID number is in the future."), code="id_date"
        )
    if birth_date and ric.get_birth_date(number) != birth_date:
        raise ValidationError(
            _("The birth date in this ID number (%(date)s) differs from the birth date given.")
            % {"date": ric.get_birth_date(number).isoformat()},
            code="id_birth_mismatch",
        )
    return number


@functools.lru_cache(maxsize=16384)
def _region_existed(region: str, year: int) -> bool:
    try:
        ric.get_birth_place(f"{region}{year:04d}0101000")
    except InvalidComponent:
        return False
    return True


def _validate_ric(value: str) -> str:
    """``stdnum.cn.ric.validate``, with the region lookup (the slow part) memoised, so the
    import and the data-quality report check thousands of numbers quickly."""
    number = ric.compact(value)
    if len(number) != 18:
        raise InvalidLength()
    if not number[:-1].isdigit() or not number[:-1].isascii():
        raise InvalidFormat()
    if number[-1] != ric.calc_check_digit(number):
        raise InvalidChecksum()
    birth = ric.get_birth_date(number)
    if not _region_existed(number[:6], birth.year):
        raise InvalidComponent()
    return number


def clean_birth_date(value: dt.date | None) -> dt.date | None:
    if value is None:
        return None
    if value > timezone.localdate():
        raise ValidationError(_("The birth date cannot be in the future."), code="future")
    if value < OLDEST:
        raise ValidationError(_("The birth date is too far in the past."), code="past")
    return value
