"""An anonymised client stays anonymised after restoring an older backup (PRV-6, STO-5)."""

import io

import pytest
from django.core.management import call_command

from anxin.backups import services as backups
from anxin.clients.models import Client
from anxin.privacy import rights_services as services
from anxin.privacy.models import Erasure

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.req("PRV-6", "STO-6")]


@pytest.fixture
def destination(tmp_path, settings):
    where = tmp_path / "backups"
    where.mkdir()
    settings.ANXIN_BACKUP_DESTINATIONS = [str(where)]
    return where


def test_restoring_an_older_backup_reapplies_the_anonymisation(
    destination, front_desk, officer, store, registered
):
    from anxin.audit import chain

    older = backups.run_backup()  # holds the client in clear
    req = services.request_open(
        actor=front_desk,
        store=store,
        client_code=registered.code,
        kind="deletion",
        identity="id_card",
    )
    services.request_delete(actor=officer, store=store, req=req)
    assert Client.objects.get(pk=registered.pk).phone == ""

    call_command("restore", older.name, yes=True, stdout=io.StringIO())

    client = Client.objects.get(pk=registered.pk)
    assert client.name == "匿名" and client.phone == "" and client.id_number == ""
    assert client.address == "" and not hasattr_health(client)
    erasure = Erasure.objects.get(client=client)
    assert erasure.origin == "restore"
    assert chain.verify().ok
    _drop_aside()


def hasattr_health(client) -> bool:
    from anxin.clients.models import HealthFile

    return HealthFile.objects.filter(client=client).exists()


def _drop_aside():
    from pathlib import Path

    from django.conf import settings
    from django.db import connection

    if connection.vendor == "sqlite":
        live = Path(connection.settings_dict["NAME"]).name
        for aside in Path(settings.DATA_DIR).glob(f"{live}.before-restore-*"):
            aside.unlink()
