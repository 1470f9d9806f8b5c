import datetime as dt
import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import override_settings
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from anxin.core import codes
from anxin.core.codes import CodeError, CodeRangeExhausted, InvalidCode, allocate_code, parse_code
from anxin.core.models import CodeSequence

MAY_2023 = dt.date(2023, 5, 17)


def allocate_many(n, prefix, **kw):
    out = []
    for _ in range(n):
        with transaction.atomic():
            out.append(allocate_code(prefix, **kw))
    return out


@pytest.mark.django_db
@pytest.mark.req("COD-KH")
def test_client_code_is_kh_yymm_and_4_digit_serial_restarting_monthly():
    given = allocate_many(123, "KH", on=MAY_2023)
    assert given[0] == "KH23050001"
    assert given[-1] == "KH23050123"  # the 123rd new client of May 2023 (SPEC example)
    assert allocate_code("KH", on=dt.date(2023, 6, 1)) == "KH23060001"
    assert allocate_code("KH", on=dt.date(2024, 5, 1)) == "KH24050001"


@pytest.mark.django_db
@pytest.mark.req("COD-MS")
def test_practitioner_code_is_ms_hire_month_and_serial():
    given = allocate_many(456, "MS", on=dt.date(2023, 6, 30))
    assert given[-1] == "MS23060456"
    assert allocate_code("MS", on=dt.date(2023, 7, 1)) == "MS23070001"


@pytest.mark.django_db
@pytest.mark.req("COD-XM")
def test_item_code_is_xm_category_and_serial_within_category():
    assert allocate_code("XM", category=1) == "XM01001"
    assert allocate_code("XM", category=1) == "XM01002"
    assert allocate_code("XM", category=2) == "XM02001"  # foot massage: its own serial


@pytest.mark.django_db
@pytest.mark.req("COD-CX")
def test_promotion_code_is_cx_year_and_serial_restarting_yearly():
    assert allocate_many(2, "CX", on=dt.date(2023, 3, 1))[-1] == "CX23002"
    assert allocate_code("CX", on=dt.date(2023, 12, 31)) == "CX23003"
    assert allocate_code("CX", on=dt.date(2024, 1, 1)) == "CX24001"


@pytest.mark.django_db
@pytest.mark.req("COD-YY")
def test_appointment_code_is_yy_yymm_and_serial():
    given = allocate_many(789, "YY", on=dt.date(2023, 7, 2))
    assert given[-1] == "YY23070789"
    assert len(set(given)) == 789


@pytest.mark.django_db
@pytest.mark.req("COD-CW")
def test_finance_report_code_is_cw_yymm_and_report_type_once_per_month():
    assert allocate_code("CW", on=dt.date(2023, 8, 31), category=1) == "CW230801"
    assert allocate_code("CW", on=dt.date(2023, 8, 31), category=2) == "CW230802"
    with pytest.raises(CodeRangeExhausted):
        allocate_code("CW", on=dt.date(2023, 8, 1), category=1)  # one balance sheet a month
    assert allocate_code("CW", on=dt.date(2023, 9, 1), category=1) == "CW230901"


@pytest.mark.django_db
@pytest.mark.req("COD-JG")
def test_post_code_is_jg_department_and_post():
    assert allocate_code("JG", category=1) == "JG0101"
    assert allocate_code("JG", category=1) == "JG0102"
    assert allocate_code("JG", category=3) == "JG0301"


@pytest.mark.django_db
@pytest.mark.req("COD-GZ", "COD-SB", "COD-GS")
def test_regulation_equipment_supplier_codes_are_category_and_3_digit_serial():
    assert allocate_code("GZ", category=1) == "GZ01001"
    assert allocate_code("SB", category=1) == "SB01001"
    assert allocate_code("GS", category=1) == "GS01001"
    assert allocate_code("SB", category=1) == "SB01002"
    assert allocate_code("SB", category=12) == "SB12001"


@pytest.mark.django_db
@pytest.mark.req("COD-XM")
def test_category_family_requires_a_valid_category_and_plain_family_refuses_one():
    with pytest.raises(CodeError):
        allocate_code("XM")
    with pytest.raises(CodeError):
        allocate_code("XM", category=100)
    with pytest.raises(CodeError):
        allocate_code("KH", category=1)
    with pytest.raises(InvalidCode):
        allocate_code("ZZ")
    assert not CodeSequence.objects.exists()


@pytest.mark.django_db
@pytest.mark.req("COD-1")
def test_rolled_back_creation_does_not_burn_a_serial():
    assert allocate_code("KH", on=MAY_2023) == "KH23050001"
    with pytest.raises(RuntimeError), transaction.atomic():
        assert allocate_code("KH", on=MAY_2023) == "KH23050002"
        raise RuntimeError("the record failed validation")
    assert allocate_code("KH", on=MAY_2023) == "KH23050002"


@pytest.mark.django_db
@pytest.mark.req("COD-1")
def test_first_code_of_a_scope_rolled_back_leaves_nothing():
    with pytest.raises(RuntimeError), transaction.atomic():
        allocate_code("KH", on=MAY_2023)
        raise RuntimeError
    assert allocate_code("KH", on=MAY_2023) == "KH23050001"


@pytest.mark.django_db(transaction=True)
@pytest.mark.req("COD-1", "PLT-1")
def test_concurrent_creation_gives_distinct_gap_free_codes():
    """8 workers, 400 codes of one family, each in its own creation transaction."""
    workers, per_worker = 8, 50
    results: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(workers)

    def work():
        try:
            start.wait()
            mine = []
            for _ in range(per_worker):
                with transaction.atomic():
                    code = allocate_code("KH", on=MAY_2023)
                    # the creation's own write in the same transaction
                    CodeSequence.objects.create(family="ZZ", scope=code[2:])
                mine.append(code)
            with lock:
                results.extend(mine)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(results) == workers * per_worker
    assert len(set(results)) == len(results), "duplicate codes"
    serials = sorted(int(c[-4:]) for c in results)
    assert serials == list(range(1, workers * per_worker + 1)), "gaps in the serials"
    assert CodeSequence.objects.get(family="KH").last_serial == workers * per_worker


@pytest.mark.django_db
@pytest.mark.req("COD-2")
def test_the_10000th_client_of_a_month_is_a_clear_error_naming_the_family():
    CodeSequence.objects.create(family="KH", scope="2305", last_serial=9998)
    assert allocate_code("KH", on=MAY_2023) == "KH23059999"
    with translation.override("en"), pytest.raises(CodeRangeExhausted) as exc:
        allocate_code("KH", on=MAY_2023)
    message = str(exc.value)
    assert "KH" in message and "client" in message and "2305" in message
    # nothing was given and the counter did not move
    assert CodeSequence.objects.get(family="KH", scope="2305").last_serial == 9999
    # other months are unaffected
    assert allocate_code("KH", on=dt.date(2023, 6, 1)) == "KH23060001"


@pytest.mark.django_db
@pytest.mark.req("COD-2", "UX-2")
def test_exhaustion_message_is_translated():
    CodeSequence.objects.create(family="KH", scope="2305", last_serial=9999)
    with translation.override("zh-hans"), pytest.raises(CodeRangeExhausted) as exc:
        allocate_code("KH", on=MAY_2023)
    assert "客户" in str(exc.value) and "KH" in str(exc.value)


@pytest.mark.django_db
@pytest.mark.req("COD-2")
def test_serial_widths_are_configurable():
    with override_settings(ANXIN_CODE_WIDTHS={"KH": 5, "XM": 4}):
        assert allocate_code("KH", on=MAY_2023) == "KH230500001"
        assert allocate_code("XM", category=1) == "XM010001"
        family, parts = parse_code("KH230500001")
        assert family.prefix == "KH" and parts["serial"] == "00001"
    with override_settings(ANXIN_CODE_WIDTHS={"KH": 1}):
        allocate_many(8, "KH", on=dt.date(2030, 1, 1))
        assert allocate_code("KH", on=dt.date(2030, 1, 1)) == "KH30019"
        with pytest.raises(CodeRangeExhausted):
            allocate_code("KH", on=dt.date(2030, 1, 1))


@pytest.mark.req("COD-2")
def test_code_widths_setting_is_parsed_and_bad_values_are_refused():
    from django.core.exceptions import ImproperlyConfigured

    from anxin.config.settings.base import code_widths

    assert code_widths("KH=5, yy=6") == {"KH": 5, "YY": 6}
    assert code_widths("") == {}
    with pytest.raises(ImproperlyConfigured):
        code_widths("KH:5")


@pytest.mark.django_db
@pytest.mark.req("COD-4")
def test_parse_accepts_what_people_type():
    family, parts = parse_code("  kh2305 0123 ")
    assert family.prefix == "KH" and parts["code"] == "KH23050123"
    family, parts = parse_code("ＸＭ０１００１")  # full-width input from a Chinese IME
    assert family.prefix == "XM" and parts["code"] == "XM01001"
    for bad in ["", "K", "KH2305012", "KH23130123", "QQ1234", "XM1001", "张三"]:
        with pytest.raises(InvalidCode):
            parse_code(bad)


@pytest.mark.req("COD-4")
@given(
    prefix=st.sampled_from(sorted(codes.FAMILIES)),
    on=st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 31)),
    category=st.integers(1, 99),
    serial=st.integers(1, 999),
)
def test_every_well_formed_code_parses_back_to_its_family(prefix, on, category, serial):
    family = codes.FAMILIES[prefix]
    period = {"month": on.strftime("%y%m"), "year": on.strftime("%y")}.get(family.period or "", "")
    cat = f"{category:02d}" if family.category else ""
    width = family.width
    ser = f"{serial % (10**width):0{width}d}" if width else ""
    text = f"{prefix}{period}{cat}{ser}"
    parsed_family, parts = parse_code(text.lower())
    assert parsed_family is family and parts["code"] == text


@pytest.mark.req("COD-4")
@given(st.text(max_size=60))
def test_parse_never_fails_with_anything_but_a_clear_error(text):
    try:
        parse_code(text)
    except InvalidCode as exc:
        assert str(exc)


@pytest.mark.django_db
@pytest.mark.req("COD-1")
def test_counter_row_is_unique_per_family_and_scope():
    CodeSequence.objects.create(family="KH", scope="2305")
    with pytest.raises(IntegrityError), transaction.atomic():
        CodeSequence.objects.create(family="KH", scope="2305")
