"""UX-2: Simplified Chinese by default, Traditional Chinese and English; catalogues complete."""

from pathlib import Path

import polib
import pytest

LOCALE = Path(__file__).resolve().parents[2] / "locale"


@pytest.mark.django_db
@pytest.mark.req("UX-2")
def test_login_page_is_simplified_chinese_by_default(client):
    body = client.get("/accounts/login/").content.decode()
    assert '<html lang="zh-hans"' in body
    assert "登录" in body


@pytest.mark.django_db
@pytest.mark.req("UX-2")
@pytest.mark.parametrize(
    ("language", "expected"), [("zh-hant", "登入"), ("en", "Log in to Anxin"), ("zh-hans", "登录")]
)
def test_language_follows_the_switcher(client, language, expected):
    response = client.post("/i18n/setlang/", {"language": language, "next": "/accounts/login/"})
    assert response.status_code == 302
    body = client.get("/accounts/login/").content.decode()
    assert f'<html lang="{language}"' in body
    assert expected in body


@pytest.mark.django_db
@pytest.mark.req("UX-2")
def test_browser_language_is_honoured(client):
    body = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="zh-TW,zh;q=0.9").content.decode()
    assert '<html lang="zh-hant"' in body


@pytest.mark.req("UX-2")
@pytest.mark.parametrize("locale", ["zh_Hans", "zh_Hant"])
def test_every_message_is_translated_and_compiled(locale):
    po = polib.pofile(str(LOCALE / locale / "LC_MESSAGES" / "django.po"))
    assert len(po) > 100
    missing = [e.msgid for e in po if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)]
    assert not missing, f"untranslated in {locale}: {missing[:10]}"
    mo = polib.mofile(str(LOCALE / locale / "LC_MESSAGES" / "django.mo"))
    compiled = {
        (e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items()))) for e in mo
    }
    source = {
        (e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
        for e in po
        if e.translated() and not e.obsolete
    }
    assert compiled == source, "the .mo file is stale: run `make messages`"


@pytest.mark.req("UX-2")
def test_source_strings_are_all_in_the_catalogue():
    """Every string marked in the code is in the catalogue (no one forgot `make messages`)."""
    import re

    src = Path(__file__).resolve().parents[2]
    po = polib.pofile(str(LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    known = {e.msgid for e in po if not e.obsolete}
    pattern = re.compile(r'''\{% (?:translate|trans) "([^"]+)"''')
    found = set()
    for path in src.rglob("*.html"):
        found.update(pattern.findall(path.read_text(encoding="utf-8")))
    assert found, "templates carry translatable strings"
    assert not (found - known), sorted(found - known)[:10]
