"""Per-account soft throttle on log-in and the known-device cookie (SEC-7).

django-axes locks one username at one address after ``AXES_FAILURE_LIMIT`` failures for
``AXES_COOLOFF_TIME``; attempts made while locked do not extend it. On top of that, failures on
an account from *anywhere* slow down attempts on it from devices that have never logged in to it:
each failure after the first ``ANXIN_LOGIN_FREE_FAILURES`` consecutive ones doubles their wait,
from one second up to ``ANXIN_LOGIN_MAX_DELAY_SECONDS``, and after ``ANXIN_LOGIN_ACCOUNT_LIMIT`` (NIST SP 800-63B
§5.2.2: at most 100) such devices are refused until the account next logs in. A device the
person has logged in from before carries a signed cookie and is not slowed, so an attack from
elsewhere cannot keep the real person out. "Consecutive" counts axes' failure log since the
account's last successful log-in (axes' access log). See docs/security.md.
"""

import math
from dataclasses import dataclass

from axes.models import AccessFailureLog, AccessLog
from django.conf import settings
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

COOKIE = "anxin_device"
SALT = "anxin.accounts.known-device"
KEEP = 10  # accounts remembered per device (a shared computer at the front desk)


@dataclass(frozen=True)
class Refusal:
    message: str
    retry_after: int  # seconds; 0 when only a known device (or an administrator) helps


def _mark(username: str) -> str:
    """What the cookie remembers of an account: a keyed digest, not the name."""
    return salted_hmac(SALT, username).hexdigest()[:16]


def _marks(request) -> list[str]:
    raw = request.get_signed_cookie(
        COOKIE, default="", salt=SALT, max_age=settings.ANXIN_KNOWN_DEVICE_DAYS * 86400
    )
    return [m for m in raw.split(".") if m]


def is_known_device(request, username: str) -> bool:
    """This browser has logged in to ``username`` before (signed cookie, not expired)."""
    return _mark(username) in _marks(request)


def remember_device(request, response, username: str) -> None:
    """After a successful log-in: this browser is a known device for ``username``."""
    mark = _mark(username)
    marks = [mark] + [m for m in _marks(request) if m != mark]
    response.set_signed_cookie(
        COOKIE,
        ".".join(marks[:KEEP]),
        salt=SALT,
        max_age=settings.ANXIN_KNOWN_DEVICE_DAYS * 86400,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def consecutive_failures(username: str) -> tuple[int, object]:
    """Failed log-ins on the account since its last successful one, and when the last was."""
    last_success = AccessLog.objects.filter(username=username).aggregate(at=Max("attempt_time"))
    failures = AccessFailureLog.objects.filter(username=username)
    if last_success["at"] is not None:
        failures = failures.filter(attempt_time__gt=last_success["at"])
    found = failures.aggregate(n=Count("pk"), last=Max("attempt_time"))
    return found["n"], found["last"]


def delay_seconds(failures: int) -> int:
    """The wait after ``failures`` consecutive failures: none at first, then 1, 2, 4 … seconds."""
    extra = failures - settings.ANXIN_LOGIN_FREE_FAILURES
    if extra <= 0:
        return 0
    return min(2 ** min(extra - 1, 30), settings.ANXIN_LOGIN_MAX_DELAY_SECONDS)


def check(request, username: str) -> Refusal | None:
    """Why a log-in attempt on ``username`` from this device is refused before its password is
    even checked, or None. A known device is never refused here (axes still locks an address)."""
    if not username or is_known_device(request, username):
        return None
    failures, last = consecutive_failures(username)
    if failures >= settings.ANXIN_LOGIN_ACCOUNT_LIMIT:
        return Refusal(
            _(
                "This account has had too many failed log-ins. Log in from a computer or phone "
                "you have used before, or ask your administrator."
            ),
            0,
        )
    if last is None:
        return None
    wait = delay_seconds(failures) - (timezone.now() - last).total_seconds()
    if wait <= 0:
        return None
    seconds = math.ceil(wait)
    return Refusal(
        ngettext(
            "Too many failed log-ins on this account. Wait %(seconds)d second and try again, "
            "or log in from a computer or phone you have used before.",
            "Too many failed log-ins on this account. Wait %(seconds)d seconds and try again, "
            "or log in from a computer or phone you have used before.",
            seconds,
        )
        % {"seconds": seconds},
        seconds,
    )
