"""Every app holding client data registers an exporter or an anonymiser (STYLE rule 10)."""

import pytest
from django.apps import apps

from anxin.clients.models import Client
from anxin.privacy import registry


def _relates_to_client(model) -> bool:
    for field in model._meta.get_fields():
        if field.is_relation and not field.auto_created and field.related_model is Client:
            return True
    return False


@pytest.mark.req("PRV-6")
def test_every_app_with_a_client_relation_registers_with_privacy():
    holding = {m._meta.app_label for m in apps.get_models() if _relates_to_client(m)}
    holding.add("clients")
    covered = registry.covered_apps()
    missing = sorted(holding - covered)
    assert not missing, f"apps with client data but no exporter/anonymiser: {missing}"
    # The check itself sees the apps it should (it would pass vacuously otherwise).
    assert {"clients", "scheduling", "dispatch", "delivery", "privacy"} <= holding


@pytest.mark.req("PRV-6")
def test_registrations_are_complete():
    keys = {s.key for s in registry.sections()}
    assert {
        "clients",
        "delivery",
        "scheduling",
        "dispatch",
        "approvals",
        "notifications",
        "imports",
        "audit",
        "privacy",
    } <= keys
    for section in registry.sections():
        assert section.anonymise is not None or section.evidence, section.key
        assert str(section.keeps), f"{section.key} says nothing of what it keeps"
