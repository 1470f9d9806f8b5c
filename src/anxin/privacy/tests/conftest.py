import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def ledger_file(tmp_path, settings):
    """Each test its own anonymisation ledger (the data directory is shared)."""
    settings.ANXIN_PRIVACY_LEDGER_FILE = tmp_path / "privacy-erasures.jsonl"
    return settings.ANXIN_PRIVACY_LEDGER_FILE


@pytest.fixture
def english(settings):
    """Assertions read English messages (the sharing, transfer and incident tests use it)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


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


@pytest.fixture
def make_client(store, front_desk):
    from anxin.clients.services import ConsentGiven, client_create

    counter = iter(range(100, 999))

    def make(name="王芳", *, health=True, id_number=""):
        n = next(counter)
        return client_create(
            actor=front_desk,
            store=store,
            name=name,
            phone=f"13800000{n:03d}",
            id_number=id_number,
            allergies="花粉" if health else "",
            consent=ConsentGiven(health=health, paper_location="A-1"),
        )

    return make


def pdf_upload(name="agreement.pdf"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, b"%PDF-1.4\n% signed\n", content_type="application/pdf")
