"""Approvals test fixtures: English messages, a private audit checkpoint file, a test kind."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import translation

from anxin.accounts.permissions import VIEW_ORG
from anxin.approvals import registry

DOSSIER_EDIT = "tests.dossier_edit"


@pytest.fixture(autouse=True)
def english():
    """Messages are matched in English, whatever the default language (zh-hans) translates."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def checkpoint_file(settings, tmp_path):
    settings.ANXIN_AUDIT_CHECKPOINT_FILE = tmp_path / "audit-checkpoints.jsonl"
    return settings.ANXIN_AUDIT_CHECKPOINT_FILE


@pytest.fixture(scope="session")
def dossier_table(django_db_setup, django_db_blocker):
    from .models import Dossier

    with django_db_blocker.unblock():
        with connection.schema_editor() as editor:
            if Dossier._meta.db_table in connection.introspection.table_names():
                editor.delete_model(Dossier)  # left by an earlier run (--reuse-db)
            editor.create_model(Dossier)
        # Committed now, as migrations do for real models: a content type made inside a test
        # would be rolled back while ContentType's cache still remembered its id.
        ContentType.objects.clear_cache()
        ContentType.objects.get_for_model(Dossier)
        yield
        with connection.schema_editor() as editor:
            editor.delete_model(Dossier)


def _apply_dossier(*, actor, store, target, payload):
    for name, value in payload.items():
        setattr(target, name, value)
    target.full_clean()
    target.save()
    return target


@pytest.fixture
def dossier_kind(dossier_table):
    """A kind anyone with VIEW_ORG may propose: a client-like record with an ID number."""
    from .models import Dossier

    kind = registry.register(
        DOSSIER_EDIT,
        label="Edit a dossier",
        target_model=Dossier,
        propose_permission=VIEW_ORG,
        fields=("name", "id_number", "note"),
        apply=_apply_dossier,
    )
    yield kind
    registry.unregister(DOSSIER_EDIT)


@pytest.fixture
def dossier(dossier_kind, store):
    from .models import Dossier

    return Dossier.objects.create(store=store, name="张三", id_number="110101199003071234")
