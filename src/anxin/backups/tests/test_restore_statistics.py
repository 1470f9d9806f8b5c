"""Issue 11: a restored database has planner statistics at once (pg_restore carries none, and a
backup of a database never analysed has none either)."""

import io

import pytest
from django.core.management import call_command
from django.db import connection

from anxin.backups import services
from anxin.backups.models import Recovery
from anxin.backups.tests.test_restore import _aside_files, _drop_aside_pg
from anxin.core.tests.test_statistics import analyzed_tables, forget_statistics

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.req("STO-5", "PLT-2")
def test_a_restore_leaves_statistics_for_the_planner(demo_data, two_dirs, settings):
    forget_statistics()
    backup = services.run_backup()
    call_command("restore", backup.name, yes=True, stdout=io.StringIO())
    assert "clients_client" in analyzed_tables()
    if connection.vendor == "sqlite":
        for aside in _aside_files(settings):
            aside.unlink()
    _drop_aside_pg(Recovery.objects.get(kind="restore").checks)
