"""Every page passes axe-core's WCAG 2.2 AA rules, in each interface language (UX-1)."""

import pytest
from axe_playwright_python.sync_playwright import Axe

pytestmark = pytest.mark.browser

WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE = Axe()
# Only the violations come back in full; passes and the rest are not serialised (much faster).
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_22_AA}, "resultTypes": ["violations"]}


def axe_violations(page):
    results = AXE.run(page, options=AXE_OPTIONS)
    return results.violations_count, results.generate_report()


@pytest.mark.req("UX-1")
def test_page_has_no_wcag_violations(app_page, language, set_language, open_app_page):
    set_language(language)
    page = open_app_page(app_page)
    assert page.locator("html").get_attribute("lang") == language
    # Real CSS is loaded, so colour contrast is judged on what people see.
    assert page.evaluate("document.styleSheets.length") >= 2
    assert page.evaluate("[...document.styleSheets].every(s => s.cssRules.length > 0)"), (
        "a stylesheet did not load"
    )
    count, report = axe_violations(page)
    assert count == 0, report


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
