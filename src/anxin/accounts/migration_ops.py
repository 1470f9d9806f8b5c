"""Migration helpers shared by the apps.

New databases get every default permission and policy grant when ``accounts`` creates the default
roles (its migrations read ``DEFAULT_ROLES`` and ``POLICY`` as they are). An app that later adds
a permission or a grant to a default role ships one migration with ``SyncDefaultRoles()`` so that
existing databases catch up; it only adds what is missing and never takes anything away, so a
business that narrowed a role keeps its other choices.
"""

from django.db import migrations


def sync_default_roles(apps, schema_editor) -> None:
    from anxin.accounts.permissions import DEFAULT_ROLES
    from anxin.accounts.policy import default_grants

    Role = apps.get_model("accounts", "Role")
    for role in Role.objects.filter(is_default=True):
        wanted = [*DEFAULT_ROLES.get(role.key, ("", ()))[1], *default_grants(role.key)]
        missing = [p for p in dict.fromkeys(wanted) if p not in role.permissions]
        if missing:
            role.permissions = [*role.permissions, *missing]
            role.save(update_fields=["permissions"])


def SyncDefaultRoles() -> migrations.RunPython:
    return migrations.RunPython(sync_default_roles, migrations.RunPython.noop)
