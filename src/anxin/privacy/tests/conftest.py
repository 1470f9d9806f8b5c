import pytest


@pytest.fixture(autouse=True)
def ledger_file(tmp_path, settings):
    """Each test its own anonymisation ledger (the data directory is shared)."""
    settings.ANXIN_PRIVACY_LEDGER_FILE = tmp_path / "privacy-erasures.jsonl"
    return settings.ANXIN_PRIVACY_LEDGER_FILE


@pytest.fixture
def officer(store, make_persona):
    return make_persona("infosec", store, "information_officer")


@pytest.fixture
def officer_b(store, make_persona):
    return make_persona("infosec_b", store, "information_officer")


@pytest.fixture
def registered(front_desk, store):
    """A client with data in several apps: health file, a service with notes, feedback."""
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone

    from anxin.clients import services
    from anxin.clients.models import ServiceRecord
    from anxin.delivery.models import Feedback

    client = services.client_create(
        actor=front_desk,
        store=store,
        name="李四",
        phone="13812345678",
        id_number="110101199003071234",
        address="北京市朝阳区幸福路1号",
        birth_date=dt.date(1990, 3, 7),
        allergies="花粉过敏",
        consent=services.ConsentGiven(health=True, paper_location="A-1"),
    )
    service = ServiceRecord.objects.create(
        store=store,
        client=client,
        practitioner=front_desk,
        served_at=timezone.now() - dt.timedelta(days=3),
        item_name="全身推拿",
        amount=Decimal("198.00"),
        notes="腰椎旧伤，注意力度",
    )
    Feedback.objects.create(service=service, score=5, comments="李四很满意")
    return client
