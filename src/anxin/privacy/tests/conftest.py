import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english(settings):
    """Assertions read English messages."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def officer(store, make_persona):
    return make_persona("officer", store, "information_officer")


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
