from django.db import migrations


def create_default_roles(apps, schema_editor):
    from anxin.accounts.permissions import DEFAULT_ROLES

    Role = apps.get_model("accounts", "Role")
    for key, (_label, perms) in DEFAULT_ROLES.items():
        Role.objects.get_or_create(key=key, defaults={"permissions": list(perms), "is_default": True})


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(create_default_roles, migrations.RunPython.noop)]
