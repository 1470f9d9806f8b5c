from django.db import migrations

PERMISSION = "audit.view_alerts"
ROLES = ("auditor", "information_officer", "system_admin")


def grant(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    for role in Role.objects.filter(key__in=ROLES):
        if PERMISSION not in role.permissions:
            role.permissions = [*role.permissions, PERMISSION]
            role.save(update_fields=["permissions"])


def revoke(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    for role in Role.objects.filter(key__in=ROLES):
        if PERMISSION in role.permissions:
            role.permissions = [p for p in role.permissions if p != PERMISSION]
            role.save(update_fields=["permissions"])


class Migration(migrations.Migration):
    """Existing databases: the auditing roles get the new permission (new ones have it already)."""

    dependencies = [("audit", "0002_append_only"), ("accounts", "0002_default_roles")]
    operations = [migrations.RunPython(grant, revoke)]
