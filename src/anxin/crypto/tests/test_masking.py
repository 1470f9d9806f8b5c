"""Masked display of phone numbers, ID numbers, bank cards and addresses (SEC-4)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anxin.crypto.masking import (
    mask,
    mask_address,
    mask_bank_card,
    mask_id_number,
    mask_phone,
    min_hidden,
)

pytestmark = pytest.mark.req("SEC-4")


@pytest.mark.parametrize(
    ("masker", "value", "shown"),
    [
        (mask_phone, "13812345678", "138****5678"),
        (mask_phone, "138 1234 5678", "138****5678"),
        (mask_phone, "138-1234-5678", "138****5678"),
        (mask_phone, "１３８１２３４５６７８", "138****5678"),
        (mask_phone, "+8613812345678", "+86*******5678"),
        (mask_phone, "65123456", "****3456"),  # short: at least 4 hidden
        (mask_phone, "12345", "****5"),
        (mask_phone, "1234", "****"),
        (mask_phone, "1", "*"),
        (mask_phone, "", ""),
        (mask_phone, None, ""),
        (mask_id_number, "110101199003071234", "110***********1234"),
        (mask_id_number, "11010119900307123x", "110***********123x"),
        (mask_id_number, "110101 19900307 1234", "110***********1234"),
        (mask_id_number, "110101900307123", "110********7123"),  # 15-digit first generation
        (mask_id_number, "G1234567", "****4567"),  # passport
        (mask_id_number, None, ""),
        (mask_bank_card, "6222021234567890123", "***************0123"),
        (mask_bank_card, "6222 0212 3456 7890", "************7890"),
        (mask_bank_card, "0123", "****"),
        (mask_bank_card, "", ""),
        (mask_address, "北京市朝阳区建国路88号", "北京市朝阳区****"),
        (mask_address, "浙江省杭州市西湖区文三路100号3单元", "浙江省杭州市西湖区****"),
        (mask_address, "上海市浦东新区世纪大道1号", "上海市浦东新区****"),
        (
            mask_address,
            "新疆维吾尔自治区乌鲁木齐市天山区解放路1号",
            "新疆维吾尔自治区乌鲁木齐市天山区****",
        ),
        (mask_address, "朝阳路阳光小区3号楼", "朝阳路****"),  # no recognisable district
        (mask_address, "北京市朝阳区", "北京****"),  # nearly all district: mostly hidden
        (mask_address, "北京市", "****"),
        (mask_address, "  ", ""),
        (mask_address, None, ""),
    ],
)
def test_masking_cases(masker, value, shown):
    assert masker(value) == shown


def test_masking_follows_settings_but_always_hides_enough(settings):
    settings.ANXIN_MASKING = {"phone": {"show_first": 0, "show_last": 2}}
    assert mask_phone("13812345678") == "*********78"
    assert mask_id_number("110101199003071234") == "110***********1234"  # default kept
    settings.ANXIN_MASKING = {"id_number": {"show_first": 10, "show_last": 10}}
    masked = mask_id_number("110101199003071234")
    assert masked.count("*") == min_hidden(18) == 6


SAFE_TEXT = st.text(alphabet=st.characters(blacklist_characters="*"), max_size=40)


@given(value=SAFE_TEXT, show_first=st.integers(0, 30), show_last=st.integers(0, 30))
def test_mask_only_ever_shows_a_prefix_and_a_suffix_within_the_limits(value, show_first, show_last):
    masked = mask(value, show_first=show_first, show_last=show_last)
    assert len(masked) == len(value)
    head = masked.split("*", 1)[0] if "*" in masked else masked
    tail = masked.rsplit("*", 1)[1] if "*" in masked else ""
    stars = len(masked) - len(head) - len(tail)
    assert masked == head + "*" * stars + tail  # one block of stars, nothing in between
    assert value.startswith(head) and value.endswith(tail)
    assert len(head) <= show_first and len(tail) <= show_last
    assert stars >= min_hidden(len(value))


@given(st.from_regex(r"\A[1-9][0-9]{16}[0-9X]\Z"))
def test_an_id_number_never_shows_its_hidden_middle(id_number):
    masked = mask_id_number(id_number)
    assert masked[3:14] == "*" * 11
    assert id_number[3:14] not in masked  # 11 hidden digits cannot hide among 7 shown
    assert id_number[6:14] not in masked  # in particular the date of birth


@given(st.from_regex(r"\A1[3-9][0-9]{9}\Z"))
def test_a_phone_number_never_shows_its_hidden_middle(phone):
    masked = mask_phone(phone)
    assert masked == phone[:3] + "****" + phone[7:]


@given(st.from_regex(r"\A[0-9]{16,19}\Z"))
def test_a_bank_card_shows_its_last_four_only(card):
    masked = mask_bank_card(card)
    assert masked.endswith(card[-4:]) and set(masked[:-4]) == {"*"}
    assert card[:-4] not in masked
