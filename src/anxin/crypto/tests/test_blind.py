"""Blind indexes: keyed, per purpose, normalised, kept in step, searchable (STO-3)."""

import hashlib

import phonenumbers
import pytest

from anxin.crypto import blind
from anxin.crypto.fields import refresh_blind_indexes
from anxin.crypto.tests.models import Secret

pytestmark = pytest.mark.req("STO-3")

ID_NUMBER = "11010119900307123X"
OTHER_MASTER = "a-different-master-key-for-this-test-only-0123456789"


def test_a_blind_index_is_stable_hex_and_not_an_unkeyed_hash(secrets_db):
    first = blind.blind_index("id_number", ID_NUMBER)
    assert first == blind.blind_index("id_number", ID_NUMBER)
    assert len(first) == 64 and int(first, 16) >= 0
    assert first != hashlib.sha256(ID_NUMBER.encode()).hexdigest()
    assert first != blind.blind_index("id_number", "110101199003071234")


def test_a_blind_index_depends_on_the_master_key(secrets_db, settings):
    before = blind.blind_index("id_number", ID_NUMBER)
    settings.ANXIN_MASTER_KEY = OTHER_MASTER
    assert blind.blind_index("id_number", ID_NUMBER) != before


def test_each_purpose_has_its_own_key(secrets_db):
    value = "13812345678"
    indexes = {purpose: blind.blind_index(purpose, value) for purpose in blind.purposes()}
    assert len(set(indexes.values())) == len(indexes)
    assert indexes["bank_card"] != indexes["phone"]


@pytest.mark.parametrize(
    ("purpose", "variants"),
    [
        (
            "id_number",
            [
                "11010119900307123X",
                "11010119900307123x",
                " 110101 19900307 123x ",
                "１１０１０１１９９００３０７１２３Ｘ",  # full-width digits and letter
                "110101-19900307-123X",
            ],
        ),
        (
            "phone",
            [
                "13812345678",
                "138 1234 5678",
                "138-1234-5678",
                "+86 138 1234 5678",
                "+8613812345678",
                "１３８１２３４５６７８",
                "\u3000138 1234 5678\u3000",  # ideographic spaces
            ],
        ),
        (
            "bank_card",
            [
                "6222 0212 3456 7890 123",
                "6222021234567890123",
                "６２２２０２１２３４５６７８９０１２３",
            ],
        ),
        ("text", ["王 小明", "王　小明 ", "  王  小明"]),
        ("email", ["Wang@Example.CN", " wang@example.cn"]),
    ],
)
def test_normalisation_makes_equivalent_inputs_index_alike(secrets_db, purpose, variants):
    assert len({blind.blind_index(purpose, v) for v in variants}) == 1, [
        blind.normalise(purpose, v) for v in variants
    ]


def test_normalisers_produce_the_canonical_forms():
    assert blind.normalise("id_number", " 110101 19900307 123x") == "11010119900307123X"
    assert blind.normalise("phone", "138 1234 5678") == "+8613812345678"
    assert blind.normalise("phone", "010-6512 3456") == "+861065123456"
    assert blind.normalise("phone", "+852 5123 4567") == "+85251234567"
    assert blind.normalise("phone", "12") == "12"  # not a possible number: its digits
    assert blind.normalise("bank_card", "6222-0212 3456") == "622202123456"
    with pytest.raises(LookupError, match="register_purpose"):
        blind.normalise("no-such-purpose", "x")


@pytest.mark.parametrize(
    "number", ["13812345678", "+8619912345678", "17000000000", "15123456789", "13012345678"]
)
def test_the_mobile_shortcut_agrees_with_a_full_parse(number):
    parsed = phonenumbers.parse(number, "CN")
    full = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    assert blind.normalise("phone", number) == full


def test_different_numbers_stay_different(secrets_db):
    assert blind.blind_index("phone", "13812345678") != blind.blind_index("phone", "13812345679")


def test_register_purpose_refuses_bad_names_and_duplicates():
    with pytest.raises(ValueError, match="purpose"):
        blind.register_purpose("Bad Name", str.strip)
    with pytest.raises(ValueError, match="already"):
        blind.register_purpose("phone", str.strip)


def test_saving_stores_the_index_and_matches_finds_it(secrets_db):
    wanted = Secret.objects.create(id_number=ID_NUMBER, phone="138 1234 5678")
    Secret.objects.create(id_number="110101199003071234", phone="13900000000")
    assert wanted.id_number_index == blind.blind_index("id_number", ID_NUMBER)
    stored = Secret.objects.values_list("id_number_index", flat=True).get(pk=wanted.pk)
    assert stored == wanted.id_number_index
    assert ID_NUMBER not in stored
    found = Secret.objects.filter(id_number_index__matches="110101 19900307 123x")
    assert list(found) == [wanted]
    assert list(Secret.objects.filter(phone_index__matches="+86 13812345678")) == [wanted]
    assert not Secret.objects.filter(phone_index__matches="13812345670").exists()


def test_empty_values_have_no_index_and_match_nothing(secrets_db):
    Secret.objects.create(id_number="", phone=None)
    Secret.objects.create(id_number="   ", phone="")
    assert set(Secret.objects.values_list("id_number_index", "phone_index")) == {(None, None)}
    assert not Secret.objects.filter(id_number_index__matches="").exists()
    assert not Secret.objects.filter(phone_index__matches="  ").exists()


def test_save_with_update_fields_keeps_the_index_in_step(secrets_db):
    secret = Secret.objects.create(id_number=ID_NUMBER, phone="13812345678")
    secret.phone = "13900001111"
    secret.save(update_fields=["phone"])  # BlindIndexMixin adds phone_index
    assert list(Secret.objects.filter(phone_index__matches="13900001111")) == [secret]
    assert not Secret.objects.filter(phone_index__matches="13812345678").exists()


def test_bulk_create_computes_indexes_and_bulk_update_with_refresh(secrets_db):
    Secret.objects.bulk_create([Secret(phone="13800000001"), Secret(phone="13800000002")])
    assert Secret.objects.filter(phone_index__matches="13800000002").count() == 1
    secret = Secret.objects.get(phone_index__matches="13800000001")
    secret.phone = "13800000003"
    names = refresh_blind_indexes(secret)
    Secret.objects.bulk_update([secret], ["phone", *names])
    assert Secret.objects.get(phone_index__matches="13800000003").pk == secret.pk


def test_matches_takes_a_string():
    with pytest.raises(TypeError, match="string"):
        Secret.objects.filter(phone_index__matches=13812345678)
