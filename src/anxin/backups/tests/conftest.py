import pytest


@pytest.fixture
def two_dirs(tmp_path, settings):
    """Two backup destinations (a local disk and a 'NAS')."""
    first, second = tmp_path / "disk", tmp_path / "nas"
    first.mkdir()
    second.mkdir()
    settings.ANXIN_BACKUP_DESTINATIONS = [str(first), str(second)]
    return first, second


@pytest.fixture
def demo_data(transactional_db):
    """The demo stores, accounts and clients (encrypted fields, audit entries)."""
    from anxin.core.management.commands.demo import load_demo

    load_demo(scale="small", seed=1)


@pytest.fixture
def supervisors(transactional_db):
    from anxin.accounts.models import User

    return User.objects.filter(username__in=["admin", "auditor", "infosec"])
