from django.db import migrations

from anxin.core.db import AppendOnly


class Migration(migrations.Migration):
    """The database refuses UPDATE of log entries always, DELETE except during a purge."""

    dependencies = [("audit", "0001_initial")]
    operations = [
        AppendOnly("audit_operationlog", "audit_purge"),
        AppendOnly("audit_uselog", "audit_purge"),
    ]
