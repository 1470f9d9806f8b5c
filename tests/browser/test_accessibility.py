"""Every page is well formed and passes axe-core's WCAG 2.2 AA rules (UX-1).

One test per page: axe, then the structure checks, on one load of the page. The three
interface languages take turns down the list of pages (``conftest.page_language``): the
markup is the same in each language, so checking every page in all three tripled the
browser suite's time for nothing found; each language still has a third of the pages.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe

pytestmark = pytest.mark.browser

WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE = Axe()
# Only the violations come back in full; passes and the rest are not serialised (much faster).
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_22_AA}, "resultTypes": ["violations"]}

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


def axe_violations(page):
    results = AXE.run(page, options=AXE_OPTIONS)
    return results.violations_count, results.generate_report()


def check_structure(page):
    """One h1, a main landmark, a skip link that lands on it; labels and groups named; the
    focus where a keyboard user expects it."""
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


@pytest.mark.req("UX-1")
def test_page_is_well_formed_and_has_no_wcag_violations(app_page, set_language, open_app_page):
    page = open_app_page(app_page)
    assert page.locator("html").get_attribute("lang") == app_page.language
    # Real CSS is loaded, so colour contrast is judged on what people see.
    # (a receipt is a page of its own with one stylesheet, for screen and print)
    assert page.evaluate("document.styleSheets.length") >= 1
    assert page.evaluate("[...document.styleSheets].every(s => s.cssRules.length > 0)"), (
        "a stylesheet did not load"
    )
    count, report = axe_violations(page)
    assert count == 0, report
    # After axe: the structure checks end by pressing Tab, and the skip link it shows would
    # cover the header's first link.
    check_structure(page)


def test_every_language_has_its_share_of_the_pages(language_shares):
    """The turns really cover the three languages, each on a third of the pages."""
    assert set(language_shares) == {"zh-hans", "zh-hant", "en"}
    assert max(language_shares.values()) - min(language_shares.values()) <= 1


def test_axe_does_find_violations(page, set_language):
    """The check above is only worth something if axe really runs against this page."""
    set_language("en")
    page.goto("/accounts/login/")
    page.evaluate(
        """() => {
            const p = document.createElement('p');
            p.textContent = 'faint';
            p.style.color = '#eeeeee';
            p.style.background = '#ffffff';
            document.querySelector('main').append(p);
        }"""
    )
    results = AXE.run(page, options=AXE_OPTIONS)
    assert "color-contrast" in {v["id"] for v in results.response["violations"]}
