"""Every page has one h1, a main landmark, and a skip link that lands somewhere."""

import pytest

pytestmark = pytest.mark.browser

LABELS_FOR_NOTHING = """() => [...document.querySelectorAll('label[for]')]
    .filter(label => !document.getElementById(label.htmlFor))
    .map(label => label.textContent.trim())"""

UNNAMED_GROUPS = """() => {
    const groups = {};
    for (const input of document.querySelectorAll('input[type=checkbox], input[type=radio]')) {
        (groups[input.name] ||= []).push(input);
    }
    return Object.entries(groups)
        .filter(([, inputs]) => inputs.length > 1)
        .filter(([, inputs]) => !inputs.every(
            input => input.closest('fieldset')?.querySelector(':scope > legend')))
        .map(([name]) => name);
}"""


@pytest.mark.req("UX-1")
def test_page_structure(app_page, open_app_page):
    page = open_app_page(app_page)
    assert page.locator("h1").count() == 1
    assert page.locator("main").count() == 1
    skip = page.locator("a.skip-link")
    assert skip.count() == 1
    href = skip.get_attribute("href")
    assert href.startswith("#") and len(href) > 1
    target = page.locator(f"[id='{href[1:]}']")
    assert target.count() == 1
    assert target.evaluate("el => el.tagName") == "MAIN"
    # Every label names a control that exists, and each group of checkboxes or radio buttons
    # is named by its fieldset's legend (WCAG 1.3.1; axe checks neither).
    assert page.evaluate(LABELS_FOR_NOTHING) == []
    assert page.evaluate(UNNAMED_GROUPS) == []
    # The skip link is the first thing a keyboard reaches, unless the page puts the cursor
    # in its one field on purpose (the password change).
    if page.locator("[autofocus]").count():
        return
    # After an action, its result (error summary or message) has the focus, so that a screen
    # reader reads it at once (GOV.UK patterns); Tab goes on from there.
    if page.locator("[data-autofocus]").count():
        focused = page.evaluate(
            "[document.activeElement.hasAttribute('data-autofocus'),"
            " document.activeElement.getAttribute('role')]"
        )
        assert focused[0] and focused[1] in {"alert", "status"}, focused
        return
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.classList.contains('skip-link')")
