"""Outside channels keep personal data out of logs; reminders do not reveal the service."""

import datetime as dt
import logging

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from anxin.accounts.services import store_settings_update
from anxin.audit.models import OperationLog
from anxin.clients.services import client_create
from anxin.config.settings.base import _NOTIFY_BACKENDS
from anxin.notifications import services
from anxin.notifications.backends import Backend
from anxin.scheduling.services import appointment_book, reminders_send

NAME, PHONE, EMAIL = "王小明", "13987654321", "wang.xiaoming@example.cn"
ITEM = "产后修复"


class FailingBackend(Backend):
    """A gateway whose error quotes the recipient, as SMTP and SMS gateways do."""

    def send(self, *, address, subject, body, kind=""):
        raise RuntimeError(f"recipient {address} refused: {subject}")


@pytest.fixture
def booking(store, front_desk, practitioner):
    client = client_create(actor=front_desk, store=store, name=NAME, phone=PHONE)
    day = timezone.localdate() + dt.timedelta(days=1)
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(11, 0)))
    return appointment_book(
        actor=front_desk,
        store=store,
        client=client,
        practitioner=practitioner,
        start=start,
        minutes=60,
        item_name=ITEM,
    )


def scanned_output(capfd, caplog, data_dir) -> str:
    """Everything a channel may have left behind outside the message itself."""
    out, err = capfd.readouterr()
    files = [p.read_text(encoding="utf-8") for p in data_dir.rglob("*") if p.is_file()]
    records = [f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records]
    return "\n".join([out, err, *files, *records])


@pytest.mark.django_db
@pytest.mark.req("SEC-10", "BIZ-3")
@pytest.mark.parametrize("kind", sorted(_NOTIFY_BACKENDS))
@pytest.mark.parametrize("channel", ["sms", "email"])
def test_no_notification_channel_logs_personal_data(
    booking,
    channel,
    kind,
    settings,
    tmp_path,
    capfd,
    caplog,
    django_capture_on_commit_callbacks,
):
    """The README promises logs never contain personal data: not the console, not the outbox,
    not the application log, whichever channel and backend carry the message."""
    settings.DATA_DIR = tmp_path
    settings.ANXIN_NOTIFY_CHANNELS = {channel: _NOTIFY_BACKENDS[kind]}
    caplog.set_level(logging.DEBUG)
    address = PHONE if channel == "sms" else EMAIL
    with django_capture_on_commit_callbacks(execute=True):
        if channel == "sms":
            assert reminders_send(now=booking.start - dt.timedelta(hours=2)) == 1
        # a careless caller: the channel must still not log the text
        services.send_external(
            channel=channel, address=address, subject=f"{NAME} {ITEM}", body=f"{PHONE} {EMAIL}"
        )
    logged = scanned_output(capfd, caplog, tmp_path)
    for secret in (PHONE, EMAIL, NAME, ITEM, "wang.xiaoming"):
        assert secret not in logged, (secret, logged)
    if kind != "email":  # the console and the outbox still show that something went out
        masked = "139****4321" if channel == "sms" else "w************@example.cn"
        assert masked in logged
    else:
        assert [m.to for m in mail.outbox][-1] == [address]


@pytest.mark.django_db
@pytest.mark.req("SEC-10")
def test_a_failing_channel_logs_its_error_without_the_address(
    settings, caplog, capfd, tmp_path, django_capture_on_commit_callbacks
):
    settings.ANXIN_NOTIFY_CHANNELS = {
        "sms": f"{FailingBackend.__module__}.{FailingBackend.__qualname__}"
    }
    caplog.set_level(logging.DEBUG)
    with django_capture_on_commit_callbacks(execute=True):
        services.send_external(channel="sms", address=PHONE, subject=NAME)
    assert "notification channel sms failed (RuntimeError)" in caplog.text
    logged = scanned_output(capfd, caplog, tmp_path)
    assert PHONE not in logged and NAME not in logged


@pytest.mark.django_db
@pytest.mark.req("BIZ-3", "SEC-10")
def test_a_reminder_names_the_service_only_when_the_store_says_so(
    booking, store, settings, django_capture_on_commit_callbacks
):
    settings.ANXIN_NOTIFY_CHANNELS = {"sms": _NOTIFY_BACKENDS["email"]}  # to read the text
    with django_capture_on_commit_callbacks(execute=True):
        reminders_send(now=booking.start - dt.timedelta(hours=2))
    (sent,) = mail.outbox
    assert sent.to == [PHONE]
    assert booking.code in sent.subject and store.name in sent.subject
    assert ITEM not in sent.subject and NAME not in sent.subject

    store_settings_update(actor=None, store=store, reminder_names_service=True)
    entry = OperationLog.objects.filter(record_type="accounts.store").latest("seq")
    assert entry.changes == {"reminder_names_service": {"before": False, "after": True}}
    booking.reminded_at = None
    booking.save(update_fields=["reminded_at"])
    with django_capture_on_commit_callbacks(execute=True):
        reminders_send(now=booking.start - dt.timedelta(hours=2))
    assert ITEM in mail.outbox[-1].subject and NAME not in mail.outbox[-1].subject


@pytest.mark.django_db
@pytest.mark.req("PLT-4")
def test_the_reminder_setting_is_changed_from_the_command_line(store, capsys):
    call_command("accounts", "store", store.short_code.lower())
    assert "reminders name the service: no" in capsys.readouterr().out
    call_command("accounts", "store", store.short_code, "--reminder-names-service", "yes")
    store.refresh_from_db()
    assert store.reminder_names_service
    assert "reminders name the service: yes" in capsys.readouterr().out
    with pytest.raises(CommandError, match="no store 'NOPE'"):
        call_command("accounts", "store", "NOPE", "--reminder-names-service", "no")
