"""The in-app inbox and the outside channels."""

import pytest
from django.test import override_settings

from anxin.accounts.permissions import VIEW_ALERTS
from anxin.notifications import services
from anxin.notifications.models import Notification


@pytest.mark.django_db
def test_notify_reaches_each_active_recipient_once_but_not_the_cause(
    front_desk, practitioner, manager
):
    manager.is_active = False
    manager.save()
    sent = services.notify(
        recipients=[front_desk, front_desk, practitioner, manager],
        subject="新健康信息",
        exclude=practitioner,
    )
    assert [n.recipient for n in sent] == [front_desk]
    assert Notification.objects.count() == 1


@pytest.mark.django_db
def test_holders_are_the_people_with_the_permission_in_that_store(
    store, other_store, auditor, front_desk, make_persona
):
    elsewhere = make_persona("auditor-sh", other_store, "auditor")
    got = services.holders(store=store, permission=VIEW_ALERTS)
    assert auditor in got
    assert front_desk not in got and elsewhere not in got


@pytest.mark.django_db
def test_the_inbox_shows_only_ones_own_and_marks_read(client, login, front_desk, practitioner):
    services.notify(recipients=[front_desk], subject="给前台", url="/clients/")
    services.notify(recipients=[practitioner], subject="给技师")
    login(client, front_desk)
    page = client.get("/inbox/").content.decode()
    assert "给前台" in page and "给技师" not in page
    assert "Inbox (1 unread)" in client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    mine = Notification.objects.get(recipient=front_desk)
    theirs = Notification.objects.get(recipient=practitioner)
    # someone else's notification is not found, and stays unread
    assert client.post(f"/inbox/{theirs.pk}/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    response = client.post(f"/inbox/{mine.pk}/read/", {"open": "1"})
    assert response.status_code == 302 and response["Location"] == "/clients/"
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert "给前台" not in client.get("/inbox/").content.decode()
    assert "给前台" in client.get("/inbox/?show=all").content.decode()


@pytest.mark.django_db
def test_an_outside_link_is_never_followed(client, login, front_desk):
    note = services.notify(recipients=[front_desk], subject="x", url="https://evil.example/")[0]
    login(client, front_desk)
    response = client.post(f"/inbox/{note.pk}/read/", {"open": "1"})
    assert response["Location"] == "/inbox/"


@pytest.mark.django_db(transaction=True)
def test_file_channel_writes_to_the_outbox_after_commit(settings, tmp_path):
    from django.db import transaction

    settings.DATA_DIR = tmp_path
    settings.ANXIN_NOTIFY_CHANNELS = {"sms": "anxin.notifications.backends.FileBackend"}
    with transaction.atomic():
        assert services.send_external(channel="sms", address="13800000000", subject="预约提醒")
        assert not (tmp_path / "outbox" / "sms.log").exists()
    text = (tmp_path / "outbox" / "sms.log").read_text(encoding="utf-8")
    assert "sms to 138****0000" in text
    assert "13800000000" not in text and "预约提醒" not in text  # a log: no number, no text


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_sends_nothing(settings, tmp_path):
    from django.db import transaction

    settings.DATA_DIR = tmp_path
    settings.ANXIN_NOTIFY_CHANNELS = {"sms": "anxin.notifications.backends.FileBackend"}
    with pytest.raises(RuntimeError), transaction.atomic():
        services.send_external(channel="sms", address="13800000000", subject="x")
        raise RuntimeError
    assert not (tmp_path / "outbox").exists()


def test_an_unknown_channel_is_not_sent():
    with override_settings(ANXIN_NOTIFY_CHANNELS={}):
        assert services.send_external(channel="fax", address="1", subject="x") is False


def test_a_bad_channel_setting_is_a_clear_error(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from anxin.config.settings.base import notify_channel

    monkeypatch.setenv("ANXIN_NOTIFY_SMS", "pigeon")
    with pytest.raises(ImproperlyConfigured, match="ANXIN_NOTIFY_SMS"):
        notify_channel("ANXIN_NOTIFY_SMS")
