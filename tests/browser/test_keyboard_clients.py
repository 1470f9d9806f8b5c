"""CLI-1 by keyboard alone: the front desk registers a client — notice, details, both consents,
the typed-name confirmation — without a mouse, every focus visible; the labels a screen reader
announces are the field labels."""

from urllib.parse import urlsplit

import pytest

from anxin.clients.models import Client, Consent

pytestmark = pytest.mark.browser


def active(page):
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            const style = getComputedStyle(el);
            const label = el.labels && el.labels.length ? el.labels[0].innerText : '';
            return {tag: el.tagName, id: el.id, type: el.type || '', label: label,
                    outline: style.outlineStyle, outlineWidth: style.outlineWidth};
        }"""
    )


def tab_to(page, element_id, limit=40):
    for _ in range(limit):
        page.keyboard.press("Tab")
        state = active(page)
        assert state["outline"] != "none" and state["outlineWidth"] not in ("0px", ""), state
        if state["id"] == element_id:
            return state
    raise AssertionError(f"#{element_id} not reached in {limit} Tabs")


@pytest.mark.req("CLI-1", "PRV-1", "UX-1")
def test_front_desk_registers_a_client_with_keyboard_only(
    page, front_desk, browser_login, set_language
):
    set_language("en")
    browser_login(front_desk)
    page.goto("/clients/new/")
    assert page.locator("#notice-h").is_visible()  # the notice comes before the form
    keys = 0

    def type_into(element_id, text, label_word):
        nonlocal keys
        state = tab_to(page, element_id)
        assert label_word.lower() in state["label"].lower(), state
        page.keyboard.type(text)
        keys += 1

    type_into("id_name", "李四", "Name")
    state = tab_to(page, "id_gender")
    page.keyboard.press("ArrowDown")  # 女 / female is the first choice after the default
    type_into("id_phone", "13812345678", "Phone")
    state = tab_to(page, "id_general_consent")
    assert "privacy notice" in state["label"]
    page.keyboard.press("Space")
    state = tab_to(page, "id_health_consent")
    assert "health" in state["label"]
    page.keyboard.press("Space")
    type_into("id_allergies", "花粉过敏", "Allergies")
    state = tab_to(page, "id_confirmation_0")  # signed on screen (the default)
    type_into("id_signature_name", "李四", "typed by the client")
    for _ in range(10):  # past the optional signature pad, to the submit button
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.type") == "submit":
            break
    assert page.evaluate("document.activeElement.textContent") == "Register"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    client = Client.objects.get()
    assert urlsplit(page.url).path == f"/clients/{client.code}/"
    assert client.name == "李四" and client.phone == "13812345678"
    assert client.health_consent and client.signature_name == "李四"
    assert client.health.allergies == "花粉过敏"
    assert set(Consent.objects.values_list("kind", flat=True)) == {"general", "health"}


@pytest.mark.req("CLI-1", "UX-1")
def test_an_error_is_announced_and_focus_can_reach_the_field(
    page, front_desk, browser_login, set_language
):
    set_language("en")
    browser_login(front_desk)
    page.goto("/clients/new/")
    page.fill("#id_name", "李四")
    page.fill("#id_phone", "12345")
    page.check("#id_general_consent")
    page.fill("#id_signature_name", "李四")
    page.focus("#id_signature_name")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("[role=alert]").count() >= 1
    error = page.locator("#id_phone_error").inner_text()
    assert "valid phone number" in error
    described = page.get_attribute("#id_phone", "aria-describedby") or ""
    assert "id_phone_error" in described
    assert not Client.objects.exists()
