"""The interface speaks the chosen language (UX-2)."""

import pytest

pytestmark = pytest.mark.browser


def login_heading(page, set_language, language):
    set_language(language)
    page.goto("/accounts/login/")
    assert page.locator("html").get_attribute("lang") == language
    return page.locator("h1").inner_text().strip()


@pytest.mark.req("UX-2")
def test_login_page_follows_language(page, set_language):
    headings = {
        code: login_heading(page, set_language, code) for code in ("en", "zh-hans", "zh-hant")
    }
    assert headings["en"] == "Log in to Anxin"
    assert headings["zh-hans"] != headings["en"]
    assert headings["zh-hant"] != headings["en"]


@pytest.mark.req("UX-2")
def test_language_switcher(page, set_language):
    set_language("en")
    page.goto("/accounts/login/")
    page.select_option("#language-select", "zh-hant")
    with page.expect_navigation():
        page.locator("#language-select ~ button").click()
    assert page.locator("html").get_attribute("lang") == "zh-hant"
    chosen = page.locator("#language-select").input_value()
    assert chosen == "zh-hant"


@pytest.mark.req("UX-2")
def test_export_field_labels_follow_language(page, set_language, manager, browser_login):
    browser_login(manager)
    labels = {}
    for code in ("en", "zh-hant"):
        set_language(code)
        page.goto("/clients/export/")
        labels[code] = [t.strip() for t in page.locator("#id_fields label").all_inner_texts()]
    assert labels["en"][:2] == ["code", "full name"]
    assert labels["zh-hant"][:2] == ["編碼", "姓名"]
