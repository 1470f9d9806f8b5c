"""Keeps personal data out of the application log (SEC-10).

Framework loggers (``django.request``, ``axes`` …) may record a request's path and the request
object itself, whose query string can hold a searched phone number or name. This filter drops the
request object and masks digit runs and Chinese characters in what remains.
"""

import logging
import re

# Six or more digits (phones, ID numbers), but not the decimals of a duration like 0.020333.
_DIGITS = re.compile(r"(?<![\d.])\d{6,}[\dXx]?")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_QUERY = re.compile(r"\?.*$")


def redact(text: str) -> str:
    text = _QUERY.sub("?…", text)
    text = _DIGITS.sub("***", text)
    return _CJK.sub("***", text)


class RedactPersonalData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if hasattr(record, "request"):
            record.request = None
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: keep only its template
            message = str(record.msg)
        record.msg, record.args = redact(message), ()
        return True
