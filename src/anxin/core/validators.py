"""Checks on what a person types, shared by every form (PLT-4).

A browser sends what it is given: control characters pasted from another program, the
replacement character ``U+FFFD`` where the request body was not valid UTF-8 (Django decodes a
form with ``errors="replace"``), a lone surrogate from a JSON body, a date in the year 9999. Each
check here raises ``ValidationError`` with a message meant for the field, so the page answers
with that message instead of storing ``���`` or failing with a 500.
"""

import base64
import binascii
import datetime as dt
import struct
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

# Dates a shop records: births, bookings, services, reports. Outside these the arithmetic of a
# day range (the day after 9999-12-31) or a time zone (0001-01-01 in Shanghai is year 0 in UTC)
# overflows.
FIRST_YEAR = 1900
LAST_YEAR = 2100

# Tab, line feed and carriage return are how text areas break lines; every other C0 control
# character, DEL and the C1 range (U+0080–U+009F) are not text.
_ALLOWED_CONTROLS = frozenset("\t\n\r")
REPLACEMENT = "\ufffd"


def text_problem(value: str) -> str | None:
    """What is wrong with ``value`` as text a person typed, or ``None``."""
    for ch in value:
        code = ord(ch)
        if ch in _ALLOWED_CONTROLS:
            continue
        if code < 0x20 or 0x7F <= code <= 0x9F:
            return "control"
        if ch == REPLACEMENT:
            return "replacement"
        if 0xD800 <= code <= 0xDFFF:
            return "surrogate"
    return None


_TEXT_MESSAGES = {
    "control": _(
        "This contains an invisible control character (perhaps pasted from another "
        "program): type the text again."
    ),
    "replacement": _(
        "This contains characters that could not be read (shown as �): type the text again."
    ),
    "surrogate": _("This contains characters that could not be read: type the text again."),
}


@deconstructible
class TextValidator:
    """Free text: no control characters (except tab and line breaks), no replacement character,
    no lone surrogates."""

    code = "text"

    def __call__(self, value) -> None:
        if not isinstance(value, str):
            return
        problem = text_problem(value)
        if problem:
            raise ValidationError(_TEXT_MESSAGES[problem], code=f"text_{problem}")

    def __eq__(self, other) -> bool:
        return isinstance(other, TextValidator)

    def __hash__(self) -> int:
        return hash(TextValidator)


validate_text = TextValidator()


def has_letter(value: str) -> bool:
    """Whether ``value`` holds at least one letter of any script (汉字, Latin, …)."""
    return any(unicodedata.category(ch).startswith("L") for ch in value)


@deconstructible
class PersonNameValidator:
    """A person's name: valid text with at least one letter (not only emoji or punctuation)."""

    code = "person_name"

    def __call__(self, value) -> None:
        if not isinstance(value, str) or not value.strip():
            return
        validate_text(value)
        if not has_letter(value):
            raise ValidationError(
                _("A name needs at least one letter (汉字 or Latin), not only symbols or emoji."),
                code="person_name",
            )

    def __eq__(self, other) -> bool:
        return isinstance(other, PersonNameValidator)

    def __hash__(self) -> int:
        return hash(PersonNameValidator)


validate_person_name = PersonNameValidator()


@deconstructible
class DateBoundsValidator:
    """A date or datetime between the years 1900 and 2100."""

    code = "date_bounds"

    def __call__(self, value) -> None:
        if isinstance(value, dt.date) and not FIRST_YEAR <= value.year <= LAST_YEAR:
            raise ValidationError(date_bounds_message(), code="date_bounds")

    def __eq__(self, other) -> bool:
        return isinstance(other, DateBoundsValidator)

    def __hash__(self) -> int:
        return hash(DateBoundsValidator)


validate_date_bounds = DateBoundsValidator()


def date_bounds_message() -> str:
    return _("Enter a date between %(first)s and %(last)s.") % {
        "first": FIRST_YEAR,
        "last": LAST_YEAR,
    }


def within_bounds(day: dt.date | None) -> bool:
    """Whether ``day`` (a date or datetime) is one the application can compute with."""
    return day is not None and FIRST_YEAR <= day.year <= LAST_YEAR


# -- a signature drawn on screen -----------------------------------------------------------------

PNG_DATA_URL = "data:image/png;base64,"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SIGNATURE_MAX_BYTES = 200 * 1024
SIGNATURE_MAX_SIDE = 4000


def png_problem(data: bytes) -> str | None:
    """Why ``data`` is not a plausible PNG image, or ``None``: the magic bytes, an ``IHDR``
    chunk first with sane dimensions, an ``IEND`` chunk last; with Pillow installed, its
    ``verify()`` as well."""
    if not data.startswith(PNG_MAGIC):
        return "magic"
    header = data[8:33]
    if len(header) < 25 or header[4:8] != b"IHDR" or struct.unpack(">I", header[:4])[0] != 13:
        return "header"
    width, height = struct.unpack(">II", header[8:16])
    if not (0 < width <= SIGNATURE_MAX_SIDE and 0 < height <= SIGNATURE_MAX_SIDE):
        return "size"
    if data[-8:-4] != b"IEND":
        return "end"
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - Pillow is optional
        return None
    import io

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
    except Exception:
        return "pillow"
    return None


def validate_signature_png(value: str) -> None:
    """A signature drawn on screen: a ``data:image/png;base64,`` URL of a PNG of at most
    200 KB. Anything else (HTML, another image type, a truncated upload) is refused."""
    if not value:
        return
    message = _("The signature could not be read; sign again.")
    if not value.startswith(PNG_DATA_URL):
        raise ValidationError(message, code="signature")
    encoded = value[len(PNG_DATA_URL) :]
    if len(encoded) > (SIGNATURE_MAX_BYTES * 4) // 3 + 4:
        raise ValidationError(
            _("The signature is too large; clear the box and sign again."), code="signature_size"
        )
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError(message, code="signature") from None
    if len(data) > SIGNATURE_MAX_BYTES:
        raise ValidationError(
            _("The signature is too large; clear the box and sign again."), code="signature_size"
        )
    if png_problem(data):
        raise ValidationError(message, code="signature")
