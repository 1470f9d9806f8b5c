from django.db import migrations

from anxin.accounts.migration_ops import SyncDefaultRoles


class Migration(migrations.Migration):
    """Existing databases: the default roles get the card permissions and policy grants."""

    dependencies = [("cards", "0001_cards"), ("accounts", "0007_store_logo")]

    operations = [SyncDefaultRoles()]
