"""Encrypted fields and their tokens: round trip, NULL, integrity, binding, keys (STO-3)."""

import base64

import pytest
from django.core.exceptions import FieldError, ImproperlyConfigured, ValidationError
from django.db import connection, transaction
from django.db.migrations.writer import MigrationWriter
from django.utils import translation
from django.utils.functional import Promise

from anxin.crypto import DecryptionError, cipher, keyring
from anxin.crypto.fields import BlindIndexField, EncryptedCharField, EncryptedTextField
from anxin.crypto.models import DataKey, KeyState
from anxin.crypto.tests.models import OtherSecret, Secret

pytestmark = pytest.mark.req("STO-3")

ID_NUMBER = "110101199003071234"


def raw(model, pk, column):
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {connection.ops.quote_name(column)} FROM {table} WHERE id = %s",  # noqa: S608
            [pk],
        )
        return cursor.fetchone()[0]


def set_raw(model, pk, column, value):
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {connection.ops.quote_name(column)} = %s WHERE id = %s",  # noqa: S608
            [value, pk],
        )


def test_values_round_trip_and_the_column_holds_no_plaintext(secrets_db):
    note = "左肩旧伤，避免重压。Allergic to peanut oil."
    secret = Secret.objects.create(note=note, id_number=ID_NUMBER, phone="13812345678")
    stored = raw(Secret, secret.pk, "note")
    assert note not in stored and "旧伤" not in stored
    assert cipher.key_id_of(stored) == DataKey.objects.get(state=KeyState.ACTIVE).pk
    got = Secret.objects.get(pk=secret.pk)
    assert (got.note, got.id_number, got.phone) == (note, ID_NUMBER, "13812345678")
    assert list(Secret.objects.values_list("note", flat=True)) == [note]
    assert Secret.objects.only("id").get().id_number == ID_NUMBER  # deferred load decrypts


def test_equal_plaintexts_give_different_ciphertexts(secrets_db):
    a = Secret.objects.create(note="same")
    b = Secret.objects.create(note="same")
    assert raw(Secret, a.pk, "note") != raw(Secret, b.pk, "note")


def test_null_stays_null_and_empty_stays_empty(secrets_db):
    secret = Secret.objects.create(note=None, id_number="", phone=None)
    assert raw(Secret, secret.pk, "note") is None
    assert raw(Secret, secret.pk, "id_number") == ""
    got = Secret.objects.get(pk=secret.pk)
    assert got.note is None and got.id_number == "" and got.phone is None
    assert Secret.objects.filter(note__isnull=True).count() == 1
    assert got.id_number_index is None and got.phone_index is None


def test_updates_and_bulk_paths_encrypt_too(secrets_db):
    secret = Secret.objects.create(note="v1")
    # A value no base64 token can contain by chance (it has characters outside base64).
    Secret.objects.filter(pk=secret.pk).update(note="第二版 v2")
    assert "第二版" not in raw(Secret, secret.pk, "note")
    assert Secret.objects.get().note == "第二版 v2"
    secret.note = "v3"
    Secret.objects.bulk_update([secret], ["note"])
    assert Secret.objects.get().note == "v3"
    Secret.objects.bulk_create([Secret(note="v4"), Secret(note="v5")])
    assert sorted(Secret.objects.values_list("note", flat=True)) == ["v3", "v4", "v5"]


def test_a_ciphertext_moved_to_another_column_or_table_fails(secrets_db):
    secret = Secret.objects.create(note="过敏：青霉素", phone="13812345678")
    other = OtherSecret.objects.create(note="harmless")
    token = raw(Secret, secret.pk, "note")
    set_raw(OtherSecret, other.pk, "note", token)  # same column name, another table
    with pytest.raises(DecryptionError) as caught:
        OtherSecret.objects.get(pk=other.pk)
    assert caught.value.field == "crypto_test_othersecret.note"
    set_raw(Secret, secret.pk, "phone", token)  # same table, another column
    with pytest.raises(DecryptionError):
        Secret.objects.get(pk=secret.pk)
    # The untouched original still decrypts: the failure is the binding, not the token.
    set_raw(Secret, secret.pk, "phone", None)
    assert Secret.objects.get(pk=secret.pk).note == "过敏：青霉素"


def test_a_changed_byte_anywhere_raises_never_garbage(secrets_db):
    secret = Secret.objects.create(note="血压 140/90")
    token = raw(Secret, secret.pk, "note")
    blob = base64.urlsafe_b64decode(token)
    for i in range(len(blob)):
        flipped = bytearray(blob)
        flipped[i] ^= 0x01
        set_raw(Secret, secret.pk, "note", base64.urlsafe_b64encode(bytes(flipped)).decode())
        with pytest.raises(DecryptionError):
            Secret.objects.get(pk=secret.pk)
    for i, char in enumerate(token):  # and every character of the stored text
        other = "A" if char != "A" else "B"
        set_raw(Secret, secret.pk, "note", token[:i] + other + token[i + 1 :])
        with pytest.raises(DecryptionError):
            Secret.objects.get(pk=secret.pk)
    for damaged in [token[:-1], token + "A", token[:20], "", "not a token at all"]:
        if damaged == "":
            continue  # "" is the stored empty string
        set_raw(Secret, secret.pk, "note", damaged)
        with pytest.raises(DecryptionError):
            Secret.objects.get(pk=secret.pk)
    set_raw(Secret, secret.pk, "note", token)
    assert Secret.objects.get(pk=secret.pk).note == "血压 140/90"


def test_the_integrity_error_says_what_failed_and_is_translatable(secrets_db):
    secret = Secret.objects.create(note="x" * 10)
    set_raw(Secret, secret.pk, "note", raw(Secret, secret.pk, "note")[:-4] + "AAAA")
    with pytest.raises(DecryptionError) as caught:
        Secret.objects.get(pk=secret.pk)
    assert isinstance(DecryptionError.message, Promise)
    with translation.override("en"):
        message = str(caught.value)
    assert "crypto_test_secret.note" in message
    assert "integrity check" in message
    assert caught.value.reason == "authentication failed"


def test_a_tampered_key_id_fails(secrets_db):
    secret = Secret.objects.create(note="secret")
    first_key = DataKey.objects.get().pk
    with transaction.atomic():
        second_key = keyring.current().new_data_key(retire_active=True)
    blob = bytearray(base64.urlsafe_b64decode(raw(Secret, secret.pk, "note")))
    for key_id in (second_key, 999, first_key ^ 1):
        if key_id == first_key:
            continue
        blob[2:6] = key_id.to_bytes(4, "big")
        set_raw(Secret, secret.pk, "note", base64.urlsafe_b64encode(bytes(blob)).decode())
        with pytest.raises(DecryptionError):
            Secret.objects.get(pk=secret.pk)


def test_one_active_data_key_created_on_first_use_and_stored_wrapped(secrets_db):
    assert not DataKey.objects.exists()
    Secret.objects.create(note="a")
    Secret.objects.create(note="b")
    key = DataKey.objects.get()
    assert key.state == KeyState.ACTIVE
    assert len(bytes(key.wrapped)) == 12 + 32 + 16  # nonce, key, tag: never the bare key
    assert 0 < key.pk <= keyring.KEY_ID_MAX


def test_another_master_key_cannot_unwrap_the_data_keys(secrets_db, settings):
    secret = Secret.objects.create(note="secret")
    settings.ANXIN_MASTER_KEY = "another-master-key-of-sufficient-length-0123456789"
    with pytest.raises(ImproperlyConfigured, match="master key"):
        Secret.objects.get(pk=secret.pk)


def test_a_short_master_key_is_refused(secrets_db, settings):
    settings.ANXIN_MASTER_KEY = "too short"
    with pytest.raises(ImproperlyConfigured, match="at least 32"):
        Secret.objects.create(note="x")


def test_a_key_created_in_a_rolled_back_transaction_is_never_used(secrets_db, settings):
    settings.ANXIN_CRYPTO_KEY_REFRESH_SECONDS = 60  # long enough to reuse a cached key

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        Secret.objects.create(note="rolled back")
        lost = DataKey.objects.get().pk
        raise Abort
    secret = Secret.objects.create(note="kept")
    used = cipher.key_id_of(raw(Secret, secret.pk, "note"))
    assert used != lost
    assert DataKey.objects.filter(pk=used, state=KeyState.ACTIVE).exists()


@pytest.mark.django_db(transaction=True)
def test_committed_keys_are_cached_so_reads_and_writes_do_no_key_queries(
    secrets_transactional_db, settings, django_assert_num_queries
):
    settings.ANXIN_CRYPTO_KEY_REFRESH_SECONDS = 60
    Secret.objects.create(note="warm-up")  # creates and commits the first key
    pk = Secret.objects.create(note="warm").pk
    with django_assert_num_queries(2):  # the INSERT and the SELECT, nothing about keys
        Secret.objects.create(note="cached")
        Secret.objects.get(pk=pk)


def test_encrypted_values_cannot_be_compared_by_the_database(secrets_db):
    with pytest.raises(FieldError, match="encrypted"):
        Secret.objects.filter(note="x").count()
    with pytest.raises(FieldError, match="encrypted"):
        Secret.objects.filter(id_number__startswith="110").count()


def test_max_length_counts_plaintext_characters(secrets_db):
    ok = Secret(id_number="1" * 18, phone="13812345678")
    ok.full_clean()
    too_long = Secret(id_number="1" * 19)
    with pytest.raises(ValidationError) as caught:
        too_long.full_clean()
    assert "id_number" in caught.value.message_dict


def test_system_checks_refuse_what_the_database_cannot_do_on_ciphertext():
    cases = {
        "crypto.E001": EncryptedTextField(unique=True),
        "crypto.E002": EncryptedTextField(db_default="x"),
        "crypto.E003": EncryptedCharField(),
    }
    for check_id, field in cases.items():
        field.set_attributes_from_name("f")
        field.model = Secret
        assert check_id in [e.id for e in field.check()]
    index = BlindIndexField(source="plain", purpose="no-such-purpose")
    index.set_attributes_from_name("plain_index")
    index.model = OtherSecret
    assert {"crypto.E004", "crypto.E005", "crypto.E006"} <= {e.id for e in index.check()}
    assert not Secret._meta.get_field("id_number_index").check()
    assert not Secret._meta.get_field("id_number").check()


def test_fields_deconstruct_for_clean_migrations():
    for field in Secret._meta.get_field("id_number"), Secret._meta.get_field("id_number_index"):
        _name, path, args, kwargs = field.deconstruct()
        assert path.startswith("anxin.crypto.fields.")
        clone = type(field)(*args, **kwargs)
        assert clone.deconstruct()[1:] == (path, args, kwargs)
        MigrationWriter.serialize(field)  # raises if anything is not serialisable
    assert Secret._meta.get_field("id_number_index").deconstruct()[3] == {
        "source": "id_number",
        "purpose": "id_number",
    }
    assert Secret._meta.get_field("id_number").deconstruct()[3] == {
        "max_length": 18,
        "blank": True,
    }
    assert (
        Secret._meta.get_field("note").db_type(connection) == (connection.data_types["TextField"])
    )
