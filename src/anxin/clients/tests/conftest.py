import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english(settings):
    """Assertions read English messages; a test that wants another language sets the cookie."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
