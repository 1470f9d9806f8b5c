"""Browser fixtures: one headless Debian chromium per session, a fresh context per test.

The pages are served by pytest-django's ``live_server`` (Django's test server, in-process;
static files through the staticfiles finders), so the browser sees the real CSS.
"""

import os
from urllib.parse import urlsplit

import pytest

# Playwright's sync API runs an asyncio loop in this thread; Django's ORM refuses to run
# inside one unless told it is safe (it is: the loop never runs our code concurrently).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LANGUAGES = ["zh-hans", "zh-hant", "en"]
PASSWORD = "correct horse battery staple"  # the personas' password (root conftest.py)


@pytest.fixture(scope="session")
def playwright_instance():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed")
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright_instance):
    browser = playwright_instance.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture(scope="session", autouse=True)
def _static_root():
    """WhiteNoise warns when STATIC_ROOT is missing; in tests the finders serve static files,
    so an empty directory in the throw-away data directory is all it needs."""
    from django.conf import settings

    os.makedirs(settings.STATIC_ROOT, exist_ok=True)


@pytest.fixture(autouse=True)
def _default_roles(transactional_db):
    """``live_server`` tests flush the database afterwards, the migrations' roles included."""
    from anxin.accounts.services import roles_ensure_defaults

    roles_ensure_defaults()


@pytest.fixture
def context(browser, live_server):
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(15_000)
    # The app has no favicon; without this each page load costs a second (404) request.
    context.route("**/favicon.ico", lambda route: route.fulfill(status=204))
    yield context
    context.close()


@pytest.fixture
def page(context):
    return context.new_page()


def _cookie(live_server, name, value):
    # By URL, not by domain: a host-only cookie like the ones Django sets, so that a later
    # Set-Cookie of the same name (the language switcher) replaces it instead of shadowing it.
    return {"name": name, "value": value, "url": live_server.url + "/"}


@pytest.fixture
def set_language(context, live_server):
    """Choose the interface language the way the switcher does: the language cookie."""
    from django.conf import settings

    def choose(code):
        context.add_cookies([_cookie(live_server, settings.LANGUAGE_COOKIE_NAME, code)])

    return choose


@pytest.fixture
def browser_login(context, live_server, login):
    """Log the browser in without the form: a test-client session (second factor passed
    where the role needs one, by the root conftest's ``login``), handed over as a cookie."""
    from django.conf import settings
    from django.test import Client

    def log_in(user, *, second_factor=True):
        client = Client()
        if second_factor:
            login(client, user)
        else:
            client.force_login(user)
        sessionid = client.cookies[settings.SESSION_COOKIE_NAME].value
        context.add_cookies([_cookie(live_server, settings.SESSION_COOKIE_NAME, sessionid)])

    return log_in


@pytest.fixture
def seeded(db):
    """The default category tables, departments and posts (JG0101 and the rest)."""
    from anxin.core.seeding import categories_ensure_defaults

    categories_ensure_defaults()


# -- the pages of the app ---------------------------------------------------------------------
#
# Each entry: who is logged in (a persona fixture name, or None), where to go, what to do there
# (to show a form error or a message), the path it must end on and the HTTP status it must
# have.  Tests that ask for ``app_page`` are parametrized over every entry, one test id each.


def _submit(page, form="main form[method=post]"):
    with page.expect_navigation() as nav:
        page.locator(f"{form} button[type=submit]").first.click()
    return nav.value


def _submit_empty_form(page):
    response = _submit(page)
    page.wait_for_selector("#form-errors")
    return response


def _bad_login(page):
    page.fill("#id_username", "nobody")
    page.fill("#id_password", "not the password")
    return _submit(page)


def _submit_bad_login(page):
    response = _bad_login(page)
    page.wait_for_selector("#form-errors")
    return response


def _lock_out(page):
    from django.conf import settings

    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        response = _bad_login(page)
    return response


def _save_category(page):
    response = _submit(page)
    page.wait_for_selector(".messages")
    return response


def _expire_form(page):
    from django.conf import settings

    page.context.clear_cookies(name=settings.CSRF_COOKIE_NAME)
    page.fill("#id_username", "admin")
    page.fill("#id_password", "whatever it is")
    return _submit(page)


class AppPage:
    def __init__(
        self,
        path,
        user="admin_user",
        *,
        action=None,
        status=200,
        url=None,
        setup=None,
        second_factor=True,
    ):
        self.path, self.user, self.action, self.status = path, user, action, status
        self.url = url
        self.setup, self.second_factor = setup, second_factor


def _second_store(request):
    """The admin also works in a second store, so home offers the store switch."""
    from anxin.accounts.services import role_assign

    role_assign(
        user=request.getfixturevalue("admin_user"),
        store=request.getfixturevalue("other_store"),
        role_key="store_manager",
    )


def _confirmed_device(request):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=request.getfixturevalue("admin_user"), name="phone")


def _newcomer_page(request):
    """An account just opened and waiting for activation: the person page shows every form."""
    from anxin.accounts.services import account_onboard

    person = account_onboard(
        actor=request.getfixturevalue("admin_user"),
        username="newcomer",
        full_name="新同事",
        store=request.getfixturevalue("store"),
        role_key="front_desk",
    )
    return f"/accounts/people/{person.pk}/"


APP_PAGES = {
    "login": AppPage("/accounts/login/", None),
    "login-error": AppPage("/accounts/login/", None, action=_submit_bad_login),
    "locked-out": AppPage("/accounts/login/", None, action=_lock_out, status=429),
    "page-expired": AppPage("/accounts/login/", None, action=_expire_form, status=403),
    "second-factor-setup": AppPage("/accounts/2fa/", second_factor=False),
    "second-factor-error": AppPage(
        "/accounts/2fa/", second_factor=False, action=_submit_empty_form, status=400
    ),
    "second-factor-check": AppPage("/accounts/2fa/", second_factor=False, setup=_confirmed_device),
    "password-change": AppPage("/accounts/password/", "front_desk"),
    "password-change-error": AppPage(
        "/accounts/password/", "front_desk", action=_submit_empty_form
    ),
    "home-admin": AppPage("/"),
    "home-admin-two-stores": AppPage("/", setup=_second_store),
    "home-front-desk": AppPage("/", "front_desk"),
    "home-practitioner": AppPage("/", "practitioner"),
    "home-no-store": AppPage("/", "storeless_user"),
    "search": AppPage("/search/"),
    "search-found": AppPage("/search/?q=JG0101", url="/org/posts/JG0101/"),
    "search-invalid": AppPage("/search/?q=bad", status=400),
    "search-not-found": AppPage("/search/?q=KH23050123", status=404),
    "categories": AppPage("/categories/"),
    "category-list": AppPage("/categories/department/"),
    "category-list-error": AppPage(
        "/categories/department/", action=_submit_empty_form, status=400
    ),
    "category-edit": AppPage("/categories/department/1/"),
    "category-saved": AppPage(
        "/categories/department/1/", action=_save_category, url="/categories/department/"
    ),
    "post-list": AppPage("/org/posts/"),
    "post-new": AppPage("/org/posts/new/"),
    "post-new-error": AppPage("/org/posts/new/", action=_submit_empty_form, status=400),
    "post-detail": AppPage("/org/posts/JG0101/"),
    "post-edit": AppPage("/org/posts/JG0101/edit/"),
    "people": AppPage("/accounts/people/"),
    "person-new": AppPage("/accounts/people/new/"),
    "person-new-error": AppPage("/accounts/people/new/", action=_submit_empty_form, status=400),
    "person-waiting": AppPage(_newcomer_page),
    "permission-review": AppPage("/accounts/review/", setup=_second_store),
    "not-allowed": AppPage("/categories/", "front_desk", status=403),
    "not-found": AppPage("/no-such-page", status=404),
}


def pytest_generate_tests(metafunc):
    if "app_page" in metafunc.fixturenames:
        metafunc.parametrize("app_page", list(APP_PAGES), indirect=True)
    if "language" in metafunc.fixturenames:
        metafunc.parametrize("language", LANGUAGES)


@pytest.fixture
def storeless_user(db):
    from anxin.accounts.services import user_create

    return user_create(username="storeless", password=PASSWORD)


class OpenablePage:
    def __init__(self, spec, path):
        self.spec, self.path = spec, path


@pytest.fixture
def app_page(request, seeded, browser_login):
    """The parametrized page, with its data made and its user logged in."""
    spec = APP_PAGES[request.param]
    if spec.user:
        browser_login(request.getfixturevalue(spec.user), second_factor=spec.second_factor)
    if spec.setup:
        spec.setup(request)
    path = spec.path(request) if callable(spec.path) else spec.path
    return OpenablePage(spec, path)


@pytest.fixture
def open_app_page(page):
    """Go to the page, do its action, check it ended where and how it should."""

    def go(app_page):
        spec, path = app_page.spec, app_page.path
        response = page.goto(path)
        if spec.action:
            response = spec.action(page)
        assert response.status == spec.status, f"{path}: HTTP {response.status}"
        assert urlsplit(page.url).path == (spec.url or path.split("?")[0])
        return page

    return go
