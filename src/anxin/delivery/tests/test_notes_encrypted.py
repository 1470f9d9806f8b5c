"""Service-record notes may hold health information (STO-3): encrypted at rest like the health
file, never in the operation log in clear (AUD-1), still shown to whoever may read the record."""

import datetime as dt
import json

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from anxin.approvals.models import ChangeRequest
from anxin.approvals.services import change_approve
from anxin.audit.models import OperationLog
from anxin.clients.models import ServiceRecord
from anxin.crypto.testing import assert_not_in_database_bytes
from anxin.delivery.services import service_correction_propose, service_record

NOTE = "客户自述腰椎间盘突出，右肩旧伤，避免重按"
LATER = "复诊：高血压，服药中，力度减轻"


def stored_notes(pk) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT notes FROM clients_servicerecord WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def logged_text() -> str:
    return json.dumps(
        list(OperationLog.objects.values_list("changes", flat=True)), ensure_ascii=False
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.req("CLI-4", "STO-3", "AUD-1")
def test_a_note_is_stored_encrypted_and_logged_as_changed_without_its_text(
    client, login, practitioner, front_desk, finance, manager, store, regular, item
):
    login(client, practitioner)
    response = client.post(
        "/services/new/", {"client": regular.code, "item": item.pk, "notes": NOTE}
    )
    assert response.status_code == 302
    record = ServiceRecord.objects.latest("pk")
    assert record.notes == NOTE
    assert NOTE not in stored_notes(record.pk)
    assert_not_in_database_bytes(NOTE)
    entry = OperationLog.objects.get(record_type="clients.servicerecord", action="create")
    assert entry.changes["notes"] == {"changed": True}
    assert NOTE not in logged_text()
    # whoever may read the record reads the note
    for person in (practitioner, front_desk, finance):
        login(client, person)
        assert NOTE in client.get(f"/services/{record.pk}/").content.decode()
    # a correction of the note: proposed and applied, still never in clear in the log
    change = service_correction_propose(
        actor=practitioner, store=store, record=record, payload={"notes": LATER}, reason="补充"
    )
    change_approve(actor=manager, change=change, note="核对")
    record.refresh_from_db()
    assert record.notes == LATER
    assert LATER not in logged_text() and NOTE not in logged_text()
    assert ChangeRequest.objects.get(pk=change.pk).payload == {"notes": LATER}
    assert_not_in_database_bytes(NOTE, LATER)


@pytest.mark.django_db
@pytest.mark.req("STO-3")
def test_the_migration_encrypts_the_notes_stored_before_it(practitioner, store, regular, item):
    from importlib import import_module

    migration = import_module("anxin.clients.migrations.0006_service_record_notes_encrypted")
    record = service_record(actor=practitioner, store=store, client=regular, item=item)
    empty = service_record(  # an earlier service: the same one twice would be refused
        actor=practitioner,
        store=store,
        client=regular,
        item=item,
        served_at=timezone.now() - dt.timedelta(hours=3),
    )
    with connection.cursor() as cursor:  # as an older version stored it: in clear
        cursor.execute(
            "UPDATE clients_servicerecord SET notes = %s WHERE id = %s", [NOTE, record.pk]
        )
    before = MigrationLoader(connection).project_state(("clients", "0005_merge")).apps
    migration.encrypt_notes(before, None)
    token = stored_notes(record.pk)
    assert NOTE not in token and stored_notes(empty.pk) == ""
    migration.encrypt_notes(before, None)  # run again: encrypted once only
    assert stored_notes(record.pk) == token
    record.refresh_from_db()
    assert record.notes == NOTE
    migration.decrypt_notes(before, None)  # and back, for a rollback
    assert stored_notes(record.pk) == NOTE
