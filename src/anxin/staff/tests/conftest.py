import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english():
    """Service messages are read in English here (the pages are tested in their languages)."""
    with translation.override("en"):
        yield
