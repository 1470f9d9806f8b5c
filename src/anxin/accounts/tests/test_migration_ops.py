import pytest
from django.apps import apps

from anxin.accounts.migration_ops import sync_default_roles
from anxin.accounts.models import Role


@pytest.mark.django_db
def test_sync_adds_only_what_a_default_role_is_missing_and_keeps_the_rest():
    Role.objects.filter(key="auditor").update(permissions=["custom.extra"])
    before_front_desk = Role.objects.get(key="front_desk").permissions
    sync_default_roles(apps, None)
    auditor = Role.objects.get(key="auditor").permissions
    assert auditor[0] == "custom.extra"  # a business's own addition stays
    assert "audit.view_alerts" in auditor
    assert Role.objects.get(key="front_desk").permissions == before_front_desk
    sync_default_roles(apps, None)  # idempotent
    assert Role.objects.get(key="auditor").permissions == auditor


@pytest.mark.django_db
def test_sync_leaves_roles_the_business_created_alone():
    Role.objects.create(key="night_shift", permissions=["org.view"], is_default=False)
    sync_default_roles(apps, None)
    assert Role.objects.get(key="night_shift").permissions == ["org.view"]
