"""The session's clocks (SEC-7; docs/security.md, *Sessions*).

- Absolute: a session ends ``ANXIN_SESSION_ABSOLUTE_SECONDS`` (12 h) after log-in, whatever happens.
- Idle: it ends ``ANXIN_SESSION_IDLE_SECONDS`` (30 min) after the last request — except that the
  idle clock pauses while the person has a service of their own in progress (上钟 until 下钟):
  a practitioner must not be signed out in the middle of a service and lose the 下钟.
- "Last seen" is written at most once a minute, so an ordinary request does not write the
  session (SESSION_SAVE_EVERY_REQUEST is off); the idle limit is thus exact to within a minute.

Times are seconds since the epoch (``time.time()``), as kept in the session.
"""

import datetime as dt
import time

from django.conf import settings

LOGIN_AT = "anxin_login_at"
SEEN_AT = "anxin_seen_at"
# "Last seen" is written only when it is older than this.
SEEN_RESOLUTION_SECONDS = 60

IDLE = "idle"
LIMIT = "limit"


def start(session, now: float | None = None) -> None:
    """At log-in: both clocks start."""
    now = time.time() if now is None else now
    session[LOGIN_AT] = now
    session[SEEN_AT] = now


def last_active(request, now: float) -> float:
    """The moment the idle clock counts from: the last request, or later when a service of
    the person's own was in progress since then (the clock paused)."""
    seen = request.session.get(SEEN_AT, now)
    if now - seen <= settings.ANXIN_SESSION_IDLE_SECONDS:
        return seen  # the common case costs no query
    from anxin.scheduling.selectors import own_service_activity

    since = dt.datetime.fromtimestamp(seen, tz=dt.UTC)
    activity = own_service_activity(actor=request.user, since=since)
    return max(seen, activity.timestamp()) if activity else seen


def idle_remaining(request, now: float) -> float:
    """Seconds before the idle limit signs the person out (negative: past it)."""
    return settings.ANXIN_SESSION_IDLE_SECONDS - (now - last_active(request, now))


def ended(request, now: float) -> str | None:
    """Why this session must end now (``LIMIT`` or ``IDLE``), or None."""
    started = request.session.get(LOGIN_AT, now)
    if now - started > settings.ANXIN_SESSION_ABSOLUTE_SECONDS:
        return LIMIT
    if idle_remaining(request, now) < 0:
        return IDLE
    return None


def touch(request, now: float, *, force: bool = False) -> None:
    """Record activity; writes the session only when "last seen" is a minute old (or forced)."""
    session = request.session
    if LOGIN_AT not in session:
        session[LOGIN_AT] = now
    seen = session.get(SEEN_AT)
    if force or seen is None or now - seen > SEEN_RESOLUTION_SECONDS:
        session[SEEN_AT] = now


def on_login(sender, request, user, **kwargs) -> None:
    """``user_logged_in`` receiver: the clocks start at log-in (in the session log-in saves)."""
    if request is not None and hasattr(request, "session"):
        start(request.session)
