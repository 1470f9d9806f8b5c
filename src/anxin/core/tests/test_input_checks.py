"""Invalid text is refused with a message, not stored (PLT-4, issue 10 defect 3): control
characters, the replacement character (what an invalid UTF-8 body decodes to), lone
surrogates, a person's name without a letter, a "signature" that is not a PNG."""

import base64
import importlib
import struct
import urllib.parse
import zlib

import pytest
from django import forms as django_forms
from django.apps import apps
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from anxin.catalogue.testing import make_client, make_item
from anxin.clients.forms import ClientForm
from anxin.clients.models import Client, ServiceRecord
from anxin.clients.tests.test_registration import errors_of, form_data
from anxin.core import forms as core_forms
from anxin.core.validators import SIGNATURE_MAX_BYTES, validate_text


def png(width=2, height=1, extra=b"") -> bytes:
    """A real PNG image (greyscale, ``width`` × ``height``)."""

    def chunk(kind, body):
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    rows = b"".join(b"\x00" + b"\xff" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
        + (chunk(b"tEXt", extra) if extra else b"")
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def data_url(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode()


@pytest.fixture
def desk(client, login, front_desk):
    login(client, front_desk)
    return client


def register(desk, **extra):
    return desk.post("/clients/new/", form_data(**extra), HTTP_ACCEPT_LANGUAGE="en")


@pytest.mark.django_db
@pytest.mark.req("PLT-4")
@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("王\x80明", "control character"),  # C1
        ("王\x7f明", "control character"),  # DEL
        ("王\x1b明", "control character"),  # ESC
        ("王\ufffd明", "could not be read"),
    ],
)
def test_a_name_with_a_control_or_replacement_character_is_refused(desk, name, message):
    response = register(desk, name=name, signature_name=name)
    assert response.status_code == 400
    assert message in " ".join(errors_of(response)["name"])
    assert not Client.objects.exists()


@pytest.mark.django_db
@pytest.mark.req("PLT-4")
def test_invalid_utf8_in_the_body_is_a_message_not_stored_replacement_characters(desk):
    fields = form_data()
    body = "&".join(
        f"{urllib.parse.quote(k)}={urllib.parse.quote(v)}"
        for k, v in fields.items()
        if k not in ("name", "signature_name")
    )
    # "王小明" with its last byte cut off, then a stray 0xFF: not UTF-8.
    broken = urllib.parse.quote_from_bytes("王小明".encode()[:-1] + b"\xff")
    body += f"&name={broken}&signature_name={broken}"
    response = desk.post(
        "/clients/new/",
        data=body.encode("ascii"),
        content_type="application/x-www-form-urlencoded",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "could not be read" in " ".join(errors_of(response)["name"])
    assert not Client.objects.exists()


@pytest.mark.django_db
@pytest.mark.req("PLT-4")
def test_a_lone_surrogate_is_refused():
    form = ClientForm(data={"name": "王\udcff", "gender": "M", "source": "walk_in"})
    assert not form.is_valid()
    assert "could not be read" in " ".join(form.errors["name"])


@pytest.mark.django_db
@pytest.mark.req("PLT-4")
@pytest.mark.parametrize("name", ["😀😀", "🙂", "……", "--", "12345", "☆★"])
def test_a_name_needs_a_letter(desk, name):
    response = register(desk, name=name, signature_name=name)
    assert response.status_code == 400
    assert "at least one letter" in " ".join(errors_of(response)["name"])
    assert not Client.objects.exists()


@pytest.mark.parametrize(
    "name", ["王小明", "Anna-Lee O'Neil", "阿依古丽·买买提", "欧阳 娜娜", "王😀"]
)
def test_real_names_pass(name):
    core_forms.PersonNameField().clean(name)


@pytest.mark.django_db
@pytest.mark.req("PLT-4")
def test_free_text_on_any_form_refuses_control_characters(
    client, login, front_desk, practitioner, store, manager
):
    item = make_item(actor=manager, store=store)
    customer = make_client(actor=front_desk, store=store)
    login(client, front_desk)
    response = client.post(
        "/services/new/",
        {
            "client": customer.code,
            "item": item.pk,
            "practitioner": practitioner.pk,
            "notes": "ok\u0085then",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "notes" in response.context["form"].errors
    assert not ServiceRecord.objects.exists()


def test_tabs_and_line_breaks_stay_allowed_and_nul_gets_one_message():
    class Notes(core_forms.Form):
        text = django_forms.CharField(widget=django_forms.Textarea)

    assert Notes(data={"text": "第一行\r\n\t第二行"}).is_valid()
    form = Notes(data={"text": "a\x00b"})
    assert not form.is_valid()
    assert len(form.errors["text"]) == 1  # not Django's null check as well


@pytest.mark.django_db
@pytest.mark.req("PLT-4")
@pytest.mark.parametrize(
    "image",
    [
        data_url(b"<html><script>alert(1)</script></html>"),
        data_url(b"<svg onload=alert(1)>"),
        "data:image/png;base64," + "<img src=x onerror=alert(1)>",
        data_url(b"\x89PNG\r\n\x1a\n"),  # the magic bytes and nothing after
        data_url(png()[:-12]),  # cut off before its end
        "data:image/svg+xml;base64," + base64.b64encode(b"<svg/>").decode(),
        data_url(png(extra=b"x" * (SIGNATURE_MAX_BYTES + 1))),
    ],
    ids=["html", "svg-in-png", "not-base64", "magic-only", "truncated", "svg-type", "too-large"],
)
def test_a_signature_must_be_a_png_of_bounded_size(desk, image):
    response = register(desk, signature_name="", signature_image=image)
    assert response.status_code == 400
    assert "signature_image" in errors_of(response)
    assert not Client.objects.exists()


@pytest.mark.django_db
@pytest.mark.req("PLT-4")
def test_a_drawn_signature_is_kept(desk):
    response = register(desk, signature_name="", signature_image=data_url(png(300, 100)))
    assert response.status_code == 302
    assert Client.objects.get().signature_image == data_url(png(300, 100))


@pytest.mark.req("PLT-4")
def test_every_form_of_the_application_has_the_input_checks():
    """A form that derives from Django's directly would skip them: none may (the log-in form,
    Django's own, is the one exception)."""
    for config in apps.get_app_configs():
        if not config.name.startswith("anxin."):
            continue
        for module in ("forms", "importer"):
            try:
                importlib.import_module(f"{config.name}.{module}")
            except ModuleNotFoundError:
                continue

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    ours = [
        c
        for c in subclasses(django_forms.BaseForm)
        if c.__module__.startswith("anxin.") and ".tests." not in c.__module__
    ]
    assert len(ours) > 40
    unchecked = [
        f"{c.__module__}.{c.__qualname__}"
        for c in ours
        if not issubclass(c, core_forms.CheckedInputMixin) and c.__name__ != "LoginForm"
    ]
    assert not unchecked


_BAD = st.sampled_from(
    ["\x00", "\x08", "\x1f", "\x7f", "\x80", "\x9f", "\ufffd", "\ud800", "\udfff"]
)


@pytest.mark.req("PLT-4")
@given(before=st.text(), bad=_BAD, after=st.text())
def test_any_text_holding_a_refused_character_is_refused(before, bad, after):
    with pytest.raises(ValidationError):
        validate_text(before + bad + after)


@pytest.mark.req("PLT-4")
@given(
    text=st.text(
        st.characters(
            exclude_categories=("Cs",),
            exclude_characters=["\ufffd", *(chr(c) for c in [*range(0x20), *range(0x7F, 0xA0)])],
        )
        | st.sampled_from("\t\n\r")
    )
)
def test_text_without_them_passes(text):
    validate_text(text)


class _PeopleForm(core_forms.Form):
    one = django_forms.ModelChoiceField(queryset=Client.objects.all(), required=False)
    many = django_forms.ModelMultipleChoiceField(queryset=Client.objects.all(), required=False)


@pytest.mark.django_db
@pytest.mark.req("PLT-4")
@pytest.mark.parametrize("number", ["9223372036854775808", "-9223372036854775809", "1" * 40])
@pytest.mark.parametrize("field", ["one", "many"])
def test_a_choice_no_database_column_can_hold_is_refused_not_raised(
    field, number, front_desk, store
):
    # Found by the no-500 sweep: SQLite's driver raised OverflowError for such a number.
    client = make_client(actor=front_desk, store=store)
    data = {field: [str(client.pk), number] if field == "many" else number}
    form = _PeopleForm(data)
    assert not form.is_valid()
    assert form.errors[field][0]
    assert _PeopleForm({field: [str(client.pk)] if field == "many" else str(client.pk)}).is_valid()
