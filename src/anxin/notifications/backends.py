"""Outside channels for notifications: e-mail and SMS, pluggable through settings.

``ANXIN_NOTIFY_CHANNELS`` maps a channel name to a backend class path. The defaults write to the
console (``ConsoleBackend``) so that a shop without a mail server or SMS contract loses nothing;
``FileBackend`` appends to ``<data dir>/outbox/<channel>.log``; ``EmailBackend`` sends through
Django's mail settings. A real SMS gateway is one more class with a ``send`` method.
"""

import sys
from abc import ABC, abstractmethod
from pathlib import Path

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone
from django.utils.module_loading import import_string

DEFAULT_CHANNELS = {
    "email": "anxin.notifications.backends.ConsoleBackend",
    "sms": "anxin.notifications.backends.ConsoleBackend",
}


class Backend(ABC):
    def __init__(self, channel: str):
        self.channel = channel

    @abstractmethod
    def send(self, *, address: str, subject: str, body: str) -> None:
        """Deliver one message to ``address`` (an e-mail address or a mobile number)."""


def _line(channel: str, address: str, subject: str, body: str) -> str:
    stamp = timezone.localtime().isoformat(timespec="seconds")
    return f"[{stamp}] {channel} to {address}: {subject}\n{body}\n"


class ConsoleBackend(Backend):
    def send(self, *, address, subject, body):
        sys.stdout.write(_line(self.channel, address, subject, body))
        sys.stdout.flush()


class FileBackend(Backend):
    def send(self, *, address, subject, body):
        outbox = Path(settings.ANXIN_DATA_DIR) / "outbox"
        outbox.mkdir(mode=0o700, parents=True, exist_ok=True)
        with open(outbox / f"{self.channel}.log", "a", encoding="utf-8") as fh:
            fh.write(_line(self.channel, address, subject, body))


class EmailBackend(Backend):
    def send(self, *, address, subject, body):
        send_mail(subject, body, None, [address])


def backend(channel: str) -> Backend | None:
    channels = {**DEFAULT_CHANNELS, **getattr(settings, "ANXIN_NOTIFY_CHANNELS", {})}
    path = channels.get(channel)
    return import_string(path)(channel) if path else None
