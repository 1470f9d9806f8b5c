from django.db import migrations

from anxin.core.db import ProtectColumns


class Migration(migrations.Migration):
    dependencies = [("clients", "0001_initial")]
    operations = [ProtectColumns("clients_client", ["code"])]
