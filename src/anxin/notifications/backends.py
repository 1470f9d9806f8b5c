"""Outside channels for notifications: e-mail and SMS, pluggable through settings.

``ANXIN_NOTIFY_CHANNELS`` maps a channel name to a backend class path. The defaults write to the
console (``ConsoleBackend``) so that a shop without a mail server or SMS contract still sees that
a message went out; ``FileBackend`` appends to ``<data dir>/outbox/<channel>.log``;
``EmailBackend`` sends through Django's mail settings. A real SMS gateway is one more class with a
``send`` method.

The console and the outbox are logs, and logs never hold personal data (SEC-10): they record the
time, the channel, the recipient masked (``139****4321``, ``w***@example.cn``), what kind of
message it was and its length — never its text, which may name a person or a service.
"""

import os
import sys
from abc import ABC, abstractmethod
from pathlib import Path

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone
from django.utils.module_loading import import_string

from anxin.crypto.masking import mask, mask_phone

DEFAULT_CHANNELS = {
    "email": "anxin.notifications.backends.ConsoleBackend",
    "sms": "anxin.notifications.backends.ConsoleBackend",
}


class Backend(ABC):
    def __init__(self, channel: str):
        self.channel = channel

    @abstractmethod
    def send(self, *, address: str, subject: str, body: str, kind: str = "") -> None:
        """Deliver one message to ``address`` (an e-mail address or a mobile number)."""


def masked_address(address: str) -> str:
    """``13987654321`` → ``139****4321``; ``wang.xm@example.cn`` → ``w******@example.cn``."""
    local, at, domain = address.strip().rpartition("@")
    if at:
        return mask(local, show_first=1, show_last=0) + "@" + domain
    return mask_phone(address)


def _line(channel: str, address: str, subject: str, body: str, kind: str) -> str:
    stamp = timezone.localtime().isoformat(timespec="seconds")
    size = len(subject) + len(body)
    return (
        f"[{stamp}] {channel} to {masked_address(address)}: {kind or 'message'}, "
        f"{size} characters (text not logged)\n"
    )


class ConsoleBackend(Backend):
    def send(self, *, address, subject, body, kind=""):
        sys.stdout.write(_line(self.channel, address, subject, body, kind))
        sys.stdout.flush()


class FileBackend(Backend):
    def send(self, *, address, subject, body, kind=""):
        outbox = Path(settings.DATA_DIR) / "outbox"
        outbox.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(outbox / f"{self.channel}.log", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as fh:
            fh.write(_line(self.channel, address, subject, body, kind))


class EmailBackend(Backend):
    def send(self, *, address, subject, body, kind=""):
        send_mail(subject, body, None, [address])


def backend(channel: str) -> Backend | None:
    channels = {**DEFAULT_CHANNELS, **getattr(settings, "ANXIN_NOTIFY_CHANNELS", {})}
    path = channels.get(channel)
    return import_string(path)(channel) if path else None
