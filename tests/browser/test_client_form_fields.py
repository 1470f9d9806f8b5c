"""The registration form's fields (issue 12, defect 8): the birth date is one text box — one
Tab stop, typed digits kept as typed — and every ``aria-describedby`` (the health consent's
included) points at help text that is on the page and visible."""

import pytest

pytestmark = pytest.mark.browser

DESCRIBED = """() => [...document.querySelectorAll('main [aria-describedby]')].flatMap(el =>
    el.getAttribute('aria-describedby').split(/\\s+/).map(id => {
        const target = document.getElementById(id);
        return {field: el.id || el.tagName, id: id,
                shown: !!target && target.getClientRects().length > 0
                       && target.textContent.trim() !== ''};
    }))"""


@pytest.mark.req("CLI-1", "UX-1")
@pytest.mark.app_pages("client-new")
def test_the_birth_date_is_one_stop_and_the_help_texts_exist(app_page, open_app_page, set_language):
    set_language("zh-hans")
    page = open_app_page(app_page)
    described = page.evaluate(DESCRIBED)
    assert {"field": "id_health_consent", "id": "id_health_consent_helptext", "shown": True} in (
        described
    )
    assert [d for d in described if not d["shown"]] == []
    birth = page.locator("#id_birth_date")
    assert "1985-03-27" in page.locator(f"#{birth.get_attribute('aria-describedby')}").inner_text()
    birth.focus()
    page.keyboard.type("1985-03-27")
    assert birth.input_value() == "1985-03-27"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_phone"
