"""The store's logo: a small PNG or JPEG shown in the header (issue 12).

Checked by reading the file itself, not its name or the type the browser claims: the PNG or JPEG
signature, the image's dimensions from its header (IHDR / SOF), and the end marker. SVG, GIF,
WebP, HTML renamed to .png, truncated files and anything too large are refused.
"""

import struct
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

LOGO_MAX_BYTES = 512 * 1024
LOGO_MAX_SIDE = 2000
LOGO_MIN_SIDE = 16
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_SOI = b"\xff\xd8\xff"
# JPEG start-of-frame markers (baseline, progressive, ...), which carry the dimensions.
JPEG_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
CONTENT_TYPES = {"png": "image/png", "jpeg": "image/jpeg"}


@dataclass(frozen=True)
class LogoImage:
    kind: str  # "png" or "jpeg"
    width: int
    height: int

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.kind]


def _png_size(data: bytes) -> tuple[int, int] | None:
    header = data[8:33]
    if len(header) < 25 or header[4:8] != b"IHDR" or struct.unpack(">I", header[:4])[0] != 13:
        return None
    if b"IEND" not in data[-12:]:
        return None
    return struct.unpack(">II", header[8:16])


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    if not data.rstrip(b"\x00").endswith(b"\xff\xd9"):
        return None
    at = 2
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            at += 2
            continue
        (length,) = struct.unpack(">H", data[at + 2 : at + 4])
        if length < 2:
            return None
        if marker in JPEG_SOF:
            if at + 9 > len(data):
                return None
            height, width = struct.unpack(">HH", data[at + 5 : at + 9])
            return width, height
        if marker == 0xDA:  # start of scan before any frame header
            return None
        at += 2 + length
    return None


def read_logo(data: bytes) -> LogoImage:
    """The logo's kind and size, or a ``ValidationError`` saying in words what is wrong."""
    if len(data) > LOGO_MAX_BYTES:
        raise ValidationError(
            _("The logo is too large: at most %(kb)s KB.") % {"kb": LOGO_MAX_BYTES // 1024},
            code="logo_size",
        )
    if data.startswith(PNG_MAGIC):
        kind, size = "png", _png_size(data)
    elif data.startswith(JPEG_SOI):
        kind, size = "jpeg", _jpeg_size(data)
    else:
        raise ValidationError(
            _("The logo must be a PNG or JPEG image (SVG and other formats are not accepted)."),
            code="logo_type",
        )
    if size is None:
        raise ValidationError(
            _("The logo could not be read as an image; save it again as PNG or JPEG."),
            code="logo_broken",
        )
    width, height = size
    if not (LOGO_MIN_SIDE <= width <= LOGO_MAX_SIDE and LOGO_MIN_SIDE <= height <= LOGO_MAX_SIDE):
        raise ValidationError(
            _(
                "The logo must be between %(min)s and %(max)s pixels wide and high; "
                "this one is %(width)s × %(height)s."
            )
            % {"min": LOGO_MIN_SIDE, "max": LOGO_MAX_SIDE, "width": width, "height": height},
            code="logo_dimensions",
        )
    return LogoImage(kind, width, height)
