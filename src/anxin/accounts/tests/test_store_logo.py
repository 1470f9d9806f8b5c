"""The store's logo (issue 12): uploaded on the store settings page by the store manager or the
system administrator, checked as a real PNG or JPEG of bounded size, served only to people of
that store, shown in the header with the store's name as its text alternative."""

import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from anxin.audit.models import OperationLog

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def png(width=64, height=32) -> bytes:
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + b"\xff\xff\xff" * width for _ in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def jpeg(width=80, height=40) -> bytes:
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    sos = b"\xff\xda" + struct.pack(">HB", 8, 1) + b"\x01\x00\x00\x3f\x00" + b"\x00" * 16
    return b"\xff\xd8" + app0 + sof + sos + b"\xff\xd9"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    return tmp_path / "media"


def upload(client, data, name="logo.png", content_type="image/png", **extra):
    return client.post(
        reverse("accounts:store_settings"),
        {
            "store_type": "massage",
            "logo": SimpleUploadedFile(name, data, content_type=content_type),
            **extra,
        },
        **EN,
    )


@pytest.mark.req("UX-1")
@pytest.mark.parametrize("data,kind", [(png(), "png"), (jpeg(), "jpeg")])
def test_manager_uploads_a_logo_shown_in_the_header(client, login, manager, store, data, kind):
    login(client, manager)
    response = upload(client, data, name=f"logo.{kind}")
    assert response.status_code == 302
    store.refresh_from_db()
    assert store.logo and store.store_type == "massage"
    assert (store.logo_width, store.logo_height) == ((64, 32) if kind == "png" else (80, 40))
    assert OperationLog.objects.filter(record_id=str(store.pk), action="update").exists()
    page = client.get(reverse("core:home"), **EN).content.decode()
    assert f'alt="{store.name}"' in page and reverse("accounts:store_logo") in page
    served = client.get(reverse("accounts:store_logo"))
    assert served.status_code == 200
    assert served["Content-Type"] == f"image/{kind}"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert b"".join(served.streaming_content) == data


BAD = [
    (
        "svg",
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "image/svg+xml",
        "PNG or JPEG",
    ),
    ("html renamed", b"<html><body>hello</body></html>", "image/png", "PNG or JPEG"),
    ("gif", b"GIF89a\x10\x00\x10\x00" + b"\x00" * 40, "image/gif", "PNG or JPEG"),
    ("truncated png", png()[:-12], "image/png", "could not be read"),
    ("truncated jpeg", jpeg()[:-2], "image/jpeg", "could not be read"),
    ("too wide", png(width=2400, height=20), "image/png", "2400 × 20"),
    ("too small", png(width=8, height=8), "image/png", "8 × 8"),
    ("too large", png() + b"\x00" * (600 * 1024), "image/png", "too large"),
]


@pytest.mark.req("UX-1")
@pytest.mark.parametrize("label,data,content_type,words", BAD, ids=[b[0] for b in BAD])
def test_a_bad_logo_is_refused_in_words_and_nothing_is_saved(
    client, login, manager, store, media, label, data, content_type, words
):
    login(client, manager)
    before = OperationLog.objects.count()
    response = upload(client, data, content_type=content_type, reminder_names_service="on")
    assert response.status_code == 400
    page = response.content.decode()
    assert words in page and 'class="error-summary"' in page
    store.refresh_from_db()
    assert not store.logo and not store.reminder_names_service
    assert OperationLog.objects.count() == before
    assert not media.exists() or not any(media.rglob("*.*"))


@pytest.mark.req("UX-2")
def test_the_refusal_is_in_chinese(client, login, manager, store):
    login(client, manager)
    response = client.post(
        reverse("accounts:store_settings"),
        {"store_type": "massage", "logo": SimpleUploadedFile("x.svg", b"<svg/>")},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 400
    page = response.content.decode()
    # The error summary in Chinese, naming the field; the message itself is a gettext msgid
    # (translated in the merged catalogue).
    assert 'class="error-summary"' in page and "PNG" in page and "There is a problem" not in page


@pytest.mark.req("UX-1")
def test_only_the_manager_or_administrator_may_change_the_settings(
    client, login, front_desk, practitioner, store
):
    for person in (front_desk, practitioner):
        client.logout()
        login(client, person)
        assert client.get(reverse("accounts:store_settings")).status_code == 403
        response = upload(client, png())
        assert response.status_code == 403
    store.refresh_from_db()
    assert not store.logo and store.store_type == "other"


@pytest.mark.req("UX-1")
def test_the_logo_is_served_only_to_people_of_that_store(
    client, login, admin_user, store, other_manager, other_store
):
    login(client, admin_user)
    assert upload(client, png()).status_code == 302
    client.logout()
    # Signed out: the log-in page, not the picture.
    assert client.get(reverse("accounts:store_logo")).status_code == 302
    # Another store's manager gets their own store's (none): not found.
    login(client, other_manager)
    assert client.get(reverse("accounts:store_logo")).status_code == 404


@pytest.mark.req("UX-1")
def test_removing_the_logo(
    client, login, manager, store, media, django_capture_on_commit_callbacks
):
    login(client, manager)
    upload(client, png())
    store.refresh_from_db()
    name = store.logo.name
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:store_settings"),
            {"store_type": "massage", "remove_logo": "on"},
            **EN,
        )
    assert response.status_code == 302
    store.refresh_from_db()
    assert not store.logo and store.logo_width == 0
    assert not (media / name).exists()
