import pytest
from django.db import connection

from anxin.crypto import keyring


@pytest.fixture(scope="session")
def crypto_tables(django_db_setup, django_db_blocker):
    """The test models' tables, created once per test database (outside any transaction)."""
    from anxin.crypto.tests.models import TEST_MODELS

    with django_db_blocker.unblock():
        with connection.schema_editor() as editor:
            for model in TEST_MODELS:
                if model._meta.db_table in connection.introspection.table_names():
                    editor.delete_model(model)  # left by an earlier run (--reuse-db)
                editor.create_model(model)
        yield
        with connection.schema_editor() as editor:
            for model in TEST_MODELS:
                editor.delete_model(model)


@pytest.fixture
def secrets_db(crypto_tables, db, settings):
    """A database with the test models; keys are re-read on every use, as across processes."""
    settings.ANXIN_CRYPTO_KEY_REFRESH_SECONDS = 0
    keyring.forget_cached_keys()
    yield
    keyring.forget_cached_keys()


@pytest.fixture
def secrets_transactional_db(crypto_tables, transactional_db, settings):
    """As ``secrets_db``, but every write commits (flushed after the test)."""
    settings.ANXIN_CRYPTO_KEY_REFRESH_SECONDS = 0
    keyring.forget_cached_keys()
    yield
    keyring.forget_cached_keys()
