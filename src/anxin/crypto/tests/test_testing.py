"""The raw-bytes proof: encrypted values are not in the stored bytes; plain ones are (STO-3)."""

import pytest

from anxin.crypto.testing import assert_not_in_database_bytes, find_in_database_bytes
from anxin.crypto.tests.models import Secret

pytestmark = pytest.mark.req("STO-3")

NOTE = "左肩旧伤，忌重压按摩"
ID_NUMBER = "110101199003071234"
PHONE = "13812345678"


@pytest.mark.django_db(transaction=True)
def test_encrypted_values_are_not_in_the_stored_bytes_but_plain_ones_are(
    secrets_transactional_db,
):
    Secret.objects.create(note=NOTE, id_number=ID_NUMBER, phone=PHONE)
    assert_not_in_database_bytes(NOTE, ID_NUMBER, PHONE)
    # The same text in an unencrypted column is found: the scanner does see stored rows.
    Secret.objects.create(plain=f"copied by mistake: {NOTE} {ID_NUMBER}")
    assert find_in_database_bytes(NOTE, ID_NUMBER, PHONE) == [NOTE, ID_NUMBER]
    with pytest.raises(AssertionError, match="stored unencrypted"):
        assert_not_in_database_bytes(ID_NUMBER)


@pytest.mark.django_db(transaction=True)
def test_the_scanner_sees_text_that_needs_escaping_in_a_dump(secrets_transactional_db):
    Secret.objects.create(plain="tab\tand\\backslash")
    assert find_in_database_bytes("tab\tand\\backslash")


def test_the_scanner_refuses_to_pass_on_uncommitted_rows(secrets_db):
    Secret.objects.create(plain=ID_NUMBER)
    with pytest.raises(AssertionError, match="transaction=True"):
        assert_not_in_database_bytes(ID_NUMBER)


def test_the_scanner_refuses_strings_too_short_to_mean_anything(secrets_db):
    with pytest.raises(ValueError, match="too short"):
        find_in_database_bytes("138")
