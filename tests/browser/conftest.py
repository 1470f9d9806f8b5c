"""Browser fixtures: one headless Debian chromium per session, a fresh context per test.

The pages are served by pytest-django's ``live_server`` (Django's test server, in-process;
static files through the staticfiles finders), so the browser sees the real CSS.
"""

import os
from urllib.parse import urlsplit

import pages_backups
import pages_cards
import pages_catalogue as pc  # this directory is on sys.path (rootdir conftest import)
import pages_clients
import pages_commissions
import pages_complaints
import pages_privacy
import pages_privacy_sharing as pps
import pages_scheduling
import pages_staff
import pages_supervision as psv
import pages_till
import pytest
from pages_privacy import info_officer  # noqa: F401 - the information officer
from pages_privacy_sharing import officer_user  # noqa: F401 - fixture for the privacy pages
from pages_staff import clerk_user, hr_user  # noqa: F401 - fixtures for the staff pages

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


def _bad_logo(page):
    """An SVG offered as the store's logo: refused (accounts/logo.py)."""
    page.set_input_files(
        "#id_logo", {"name": "logo.svg", "mimeType": "image/svg+xml", "buffer": b"<svg/>"}
    )
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


# -- clients, the audit logs, approvals, a leaver ---------------------------------------------

CLIENT_PHONE = "13812345678"


def _client(request, *, served=False):
    """A client registered by the front desk; ``served``: the practitioner served them
    yesterday, which puts them (and their health file) in the practitioner's scope."""
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone

    from anxin.clients.models import ServiceRecord
    from anxin.clients.services import ConsentGiven, client_create

    store = request.getfixturevalue("store")
    client = client_create(
        actor=request.getfixturevalue("front_desk"),
        store=store,
        name="李四",
        phone=CLIENT_PHONE,
        id_number="110101199003071234",
        allergies="花粉过敏",
        consent=ConsentGiven(health=True, paper_location="A-1"),
    )
    if served:
        ServiceRecord.objects.create(
            store=store,
            client=client,
            practitioner=request.getfixturevalue("practitioner"),
            served_at=timezone.now() - dt.timedelta(days=1),
            item_name="肩颈理疗",
            amount=Decimal("198.00"),
        )
    return client


def _clients_page(request):
    _client(request, served=True)
    return "/clients/"


def _client_page(request):
    return f"/clients/{_client(request, served=True).code}/"


def _reveal(purpose):
    """Ask to see the phone number for ``purpose`` (other, with no words, is refused)."""

    def reveal(page):
        page.select_option("#id_purpose", purpose)
        response = _submit(page, "main form[action$='/reveal/']")  # "Show phone" comes first
        page.wait_for_selector("[role=status]" if purpose != "other" else "[role=alert]")
        return response

    return reveal


def _revealed_url(path):
    return f"{path}reveal/"


def _audit_trail(request, reads=3):
    """Reads of a client by the front desk and an export by the manager, which raises an
    export alert once committed (the browser tests' database commits)."""
    from anxin.audit.services import use_log

    store = request.getfixturevalue("store")
    client = _client(request)
    front_desk = request.getfixturevalue("front_desk")
    for _read in range(reads):
        use_log(actor=front_desk, action="view", instance=client, store=store)
    use_log(
        actor=request.getfixturevalue("manager"),
        action="export",
        record_type="clients.client",
        record_id="*",
        store=store,
    )


def _long_audit_trail(request):
    from anxin.audit.views import PAGE_SIZE

    _audit_trail(request, reads=PAGE_SIZE + 5)


def _alert_page(request):
    from anxin.audit.models import Alert

    _audit_trail(request)
    return f"/audit/alerts/{Alert.objects.latest('pk').pk}/"


def _role_grant(request, target, role, reason):
    from anxin.approvals.kinds import ROLE_GRANT
    from anxin.approvals.services import change_propose

    return change_propose(
        actor=request.getfixturevalue("admin_user"),
        store=request.getfixturevalue("store"),
        kind=ROLE_GRANT,
        target=request.getfixturevalue(target),
        payload={"role": role},
        reason=reason,
    )


def _approvals(request):
    """One grant waiting for the manager's decision, and one the manager has rejected."""
    from anxin.approvals.services import change_reject

    waiting = _role_grant(request, "front_desk", "finance", "兼任收银")
    rejected = _role_grant(request, "practitioner", "marketing", "协助活动")
    change_reject(actor=request.getfixturevalue("manager"), change=rejected, note="不需要")
    return waiting


def _approval_page(request):
    return f"/approvals/{_approvals(request).pk}/"


def _inbox(request):
    from anxin.notifications.services import notify

    notify(
        recipients=[request.getfixturevalue("front_desk")],
        subject="健康档案有新信息",
        body="技师补充了过敏史。",
        url="/clients/",
    )
    notify(recipients=[request.getfixturevalue("front_desk")], subject="明日预约 3 个")


def _leaver_page(request):
    """Someone who read a client's record and then left: the page shows the departure audit."""
    from anxin.accounts.services import account_offboard, account_onboard
    from anxin.audit.services import use_log

    admin, store = request.getfixturevalue("admin_user"), request.getfixturevalue("store")
    person = account_onboard(
        actor=admin, username="leaver", full_name="离职同事", store=store, role_key="front_desk"
    )
    use_log(actor=person, action="view", instance=_client(request), store=store)
    account_offboard(actor=admin, user=person)
    return f"/accounts/people/{person.pk}/"


APP_PAGES = {
    "login": AppPage("/accounts/login/", None),
    "login-error": AppPage("/accounts/login/", None, action=_submit_bad_login),
    "login-after-idle": AppPage("/accounts/login/?next=/inbox/read-all/&ended=idle", None),
    "action-offered-again": AppPage("/inbox/read-all/", "front_desk"),
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
    "person-left": AppPage(_leaver_page),
    "clients-front-desk": AppPage(_clients_page, "front_desk"),
    "clients-manager": AppPage(_clients_page, "manager"),
    "clients-practitioner": AppPage(_clients_page, "practitioner"),
    "client-new": AppPage("/clients/new/", "front_desk"),
    "client-new-error": AppPage(
        "/clients/new/", "front_desk", action=_submit_empty_form, status=400
    ),
    "client-front-desk": AppPage(_client_page, "front_desk"),
    "client-manager": AppPage(_client_page, "manager"),
    "client-revealed": AppPage(
        _client_page, "manager", action=_reveal("booking"), url=_revealed_url
    ),
    "client-reveal-refused": AppPage(
        _client_page, "manager", action=_reveal("other"), url=_revealed_url, status=400
    ),
    "client-practitioner": AppPage(_client_page, "practitioner"),
    "client-export": AppPage("/clients/export/", "manager"),
    "client-export-error": AppPage(
        "/clients/export/", "manager", action=_submit_empty_form, status=400
    ),
    "alerts": AppPage("/audit/alerts/", "auditor", setup=_audit_trail),
    "alert-detail": AppPage(_alert_page, "auditor"),
    "use-log": AppPage("/audit/uses/", "auditor", setup=_audit_trail),
    "use-log-filtered-page-2": AppPage(
        "/audit/uses/?record_type=clients.client&page=2", "auditor", setup=_long_audit_trail
    ),
    "operation-log": AppPage("/audit/operations/", "auditor", setup=_audit_trail),
    "operation-log-filter-error": AppPage(
        "/audit/operations/?date_from=2026-02-01&date_to=2026-01-01",
        "auditor",
        setup=_audit_trail,
        status=400,
    ),
    "approvals": AppPage("/approvals/", "manager", setup=_approvals),
    "approval-detail": AppPage(_approval_page, "manager"),
    "role-grant-new": AppPage("/approvals/role-grant/new/"),
    "role-grant-new-error": AppPage(
        "/approvals/role-grant/new/", action=_submit_empty_form, status=400
    ),
    "inbox": AppPage("/inbox/", "front_desk", setup=_inbox),
    "inbox-empty": AppPage("/inbox/", "front_desk"),
    "inbox-all": AppPage("/inbox/?show=all", "front_desk", setup=_inbox),
    "api-tokens": AppPage("/api/tokens/", "manager"),
    "api-tokens-error": AppPage("/api/tokens/", "manager", action=_submit_empty_form, status=400),
    # -- scheduling --
    "appointments-day": AppPage(pages_scheduling.day_page, "front_desk"),
    "appointments-day-practitioner": AppPage(pages_scheduling.day_page, "practitioner"),
    "appointments-empty": AppPage("/appointments/", "front_desk"),
    "calendar-day": AppPage(pages_scheduling.calendar_page, "front_desk"),
    "calendar-rooms": AppPage(pages_scheduling.calendar_rooms_page, "front_desk"),
    "calendar-week-practitioner": AppPage(pages_scheduling.calendar_week_page, "practitioner"),
    "calendar-week-manager": AppPage(pages_scheduling.calendar_week_page, "manager"),
    "appointment-new": AppPage("/appointments/new/", "front_desk"),
    "store-settings": AppPage("/accounts/store/settings/", "manager"),
    "store-settings-error": AppPage(
        "/accounts/store/settings/", "manager", action=_bad_logo, status=400
    ),
    "appointment-new-error": AppPage(
        "/appointments/new/", "front_desk", action=_submit_empty_form, status=400
    ),
    "appointment-detail": AppPage(pages_scheduling.detail_page, "front_desk"),
    "free-slots": AppPage(pages_scheduling.free_page, "front_desk"),
    "queue-manager": AppPage("/appointments/queue/", "manager", setup=pages_scheduling.queue),
    "queue-front-desk": AppPage("/appointments/queue/", "front_desk", setup=pages_scheduling.queue),
    "jobs": AppPage("/jobs/", "front_desk", setup=pages_scheduling.job),
    "jobs-worker": AppPage("/jobs/", "practitioner", setup=pages_scheduling.job),
    "job-new": AppPage("/jobs/new/", "front_desk"),
    "job-new-error": AppPage("/jobs/new/", "front_desk", action=_submit_empty_form, status=400),
    "job-worker": AppPage(pages_scheduling.job_page, "practitioner"),
    "job-address": AppPage(
        pages_scheduling.job_page,
        "practitioner",
        action=pages_scheduling.reveal_address,
        url=pages_scheduling.address_url,
    ),
    "job-done-front-desk": AppPage(pages_scheduling.done_job_page, "front_desk"),
    "performance-manager": AppPage("/performance/", "manager", setup=pages_scheduling.performance),
    "performance-practitioner": AppPage(
        "/performance/", "practitioner", setup=pages_scheduling.performance
    ),
    "performance-empty": AppPage("/performance/", "manager"),
    # -- catalogue and delivery --
    "items": AppPage(pc.items_page, "manager"),
    "items-practitioner": AppPage(pc.items_page, "practitioner"),
    "item-detail": AppPage(pc.item_page, "manager"),
    "item-new": AppPage("/catalogue/items/new/", "manager"),
    "item-new-error": AppPage(
        "/catalogue/items/new/", "manager", action=_submit_empty_form, status=400
    ),
    "item-edit": AppPage(pc.item_edit_page, "manager"),
    "promotions": AppPage(pc.promotions_page, "manager"),
    "promotion-detail": AppPage(pc.promotion_page, "manager"),
    "promotion-new": AppPage("/catalogue/promotions/new/", "manager"),
    "promotion-new-error": AppPage(
        "/catalogue/promotions/new/", "manager", action=_submit_empty_form, status=400
    ),
    "promotion-edit": AppPage(pc.promotion_edit_page, "manager"),
    "promotion-effect": AppPage(pc.promotion_effect_page, "manager"),
    "services": AppPage(pc.services_page, "practitioner"),
    "service-new": AppPage("/services/new/", "practitioner", setup=pc.service_new_setup),
    "service-new-error": AppPage(
        "/services/new/",
        "practitioner",
        setup=pc.service_new_setup,
        action=_submit_empty_form,
        status=400,
    ),
    "service-new-front-desk": AppPage("/services/new/", "front_desk", setup=pc.service_new_setup),
    "service-detail": AppPage(pc.service_page, "front_desk"),
    "service-correct": AppPage(pc.service_correct_page, "practitioner"),
    "service-notes": AppPage(pc.service_notes_page, "practitioner"),
    "follow-up-new": AppPage(pc.task_new_page, "front_desk"),
    "tasks": AppPage(pc.tasks_page, "practitioner"),
    "task-detail": AppPage(pc.task_page, "practitioner"),
    "suggestions": AppPage(pc.suggestions_page, "front_desk"),
    "suggestion-detail": AppPage(pc.suggestion_page, "front_desk"),
    # -- the till (checkout, receipts, daily close, products) --
    "till-checkout": AppPage(pages_till.checkout_page, "front_desk"),
    "till-checkout-error": AppPage(
        pages_till.checkout_page, "front_desk", action=pages_till.submit_empty_pay, status=400
    ),
    "till-bill": AppPage(pages_till.bill_page, "front_desk"),
    "till-bill-practitioner": AppPage(pages_till.bill_page, "practitioner"),
    "till-receipt": AppPage(pages_till.receipt_page, "front_desk"),
    "till-receipt-a4": AppPage(pages_till.receipt_a4_page, "manager"),
    "till-bills": AppPage(pages_till.bills_page, "manager"),
    "till-my-lines": AppPage(pages_till.bills_page, "practitioner"),
    "till-days": AppPage("/till/days/", "finance", setup=pages_till.days_setup),
    "till-close": AppPage("/till/close/", "front_desk", setup=pages_till.days_setup),
    "till-products": AppPage("/till/products/", "manager", setup=pages_till.products_setup),
    "till-product": AppPage(pages_till.product_page, "manager"),
    "till-product-new": AppPage("/till/products/new/", "manager"),
    "till-product-new-error": AppPage(
        "/till/products/new/", "manager", action=_submit_empty_form, status=400
    ),
    "till-stocktake": AppPage(
        "/till/products/stocktake/", "manager", setup=pages_till.products_setup
    ),
    # -- staff --
    "staff-list": AppPage(pages_staff.staff_list, "hr_user"),
    "staff-list-own": AppPage(pages_staff.staff_list, "practitioner"),
    "staff-new": AppPage("/staff/new/", "hr_user"),
    "staff-new-error": AppPage(
        "/staff/new/", "hr_user", action=pages_staff.submit_empty, status=400
    ),
    "staff-detail-hr": AppPage(pages_staff.staff_detail, "hr_user"),
    "staff-detail-own": AppPage(pages_staff.staff_detail, "practitioner"),
    "staff-detail-manager": AppPage(pages_staff.staff_detail, "manager"),
    "staff-edit": AppPage(pages_staff.staff_edit, "hr_user"),
    "attendance-mine": AppPage(pages_staff.attendance_mine, "practitioner"),
    "attendance-clocked-in": AppPage(
        pages_staff.attendance_mine, "practitioner", action=pages_staff.clock_in_by_button
    ),
    "attendance-no-file": AppPage("/attendance/", "front_desk"),
    "leave-new-form": AppPage(
        "/attendance/leave/new/", "practitioner", setup=pages_staff.practitioner_file
    ),
    "leave-new-error": AppPage(
        "/attendance/leave/new/",
        "practitioner",
        setup=pages_staff.practitioner_file,
        action=pages_staff.submit_empty,
        status=400,
    ),
    "leave-list": AppPage(pages_staff.leave_list, "manager"),
    "leave-detail-manager": AppPage(pages_staff.leave_detail, "manager"),
    "leave-detail-own": AppPage(pages_staff.leave_detail, "practitioner"),
    "attendance-person": AppPage(pages_staff.attendance_person, "clerk_user"),
    "attendance-summary": AppPage(pages_staff.attendance_summary, "clerk_user"),
    "approval-staff-skill": AppPage(pages_staff.skill_proposal_page, "manager"),
    "approvals-practitioner": AppPage(
        "/approvals/", "practitioner", setup=pages_staff.skill_proposal
    ),
    "attendance-summary-error": AppPage(
        "/attendance/summary/?month=2024-13", "clerk_user", status=400
    ),
    # -- clients --
    "client-new-duplicate": AppPage(
        "/clients/new/",
        "front_desk",
        setup=lambda request: pages_clients._make(request),
        action=pages_clients.register_duplicate,
        status=400,
    ),
    "client-search": AppPage(pages_clients.search_page, "front_desk"),
    "client-file-full": AppPage(pages_clients.full_file_page, "manager"),
    "client-file-full-practitioner": AppPage(pages_clients.full_file_page, "practitioner"),
    "client-consent": AppPage(pages_clients.consent_page, "front_desk"),
    "client-health-closed": AppPage(pages_clients.health_closed_page, "manager"),
    "client-pending-review": AppPage(pages_clients.pending_page, "manager"),
    "client-quality": AppPage("/clients/quality/", "manager", setup=pages_clients.quality_setup),
    "client-quality-error": AppPage("/clients/quality/?months=abc", "manager", status=400),
    "client-settings": AppPage("/clients/settings/", "manager"),
    "import-clients": AppPage("/imports/clients/", "front_desk"),
    "import-clients-error": AppPage(
        "/imports/clients/", "front_desk", action=pages_clients.upload_not_xlsx, status=400
    ),
    "import-job-failed": AppPage(pages_clients.job_failed, "front_desk"),
    "import-job-running": AppPage(pages_clients.job_running, "front_desk"),
    "import-job-done": AppPage(pages_clients.job_done, "front_desk"),
    # -- backups --
    "backups": AppPage("/backups/", setup=pages_backups.backups),
    "backups-empty": AppPage("/backups/"),
    "backup-detail": AppPage(pages_backups.backup_page),
    "backup-running": AppPage(pages_backups.running_page),
    "backup-restore": AppPage(pages_backups.restore_page),
    "backup-restore-error": AppPage(
        pages_backups.restore_page, action=_submit_empty_form, status=400
    ),
    "restore-drill": AppPage(pages_backups.drill_page),
    "home-admin-backups": AppPage("/", setup=pages_backups.backups),
    # Privacy: client rights and retention (issue 13)
    "privacy-requests": AppPage("/privacy/requests/", "front_desk", setup=pages_privacy.requests),
    "privacy-request-new": AppPage("/privacy/requests/new/", "front_desk"),
    "privacy-request-new-error": AppPage(
        "/privacy/requests/new/", "front_desk", action=_submit_empty_form, status=400
    ),
    "privacy-request-access": AppPage(pages_privacy.access_request_page, "info_officer"),
    "privacy-access-report": AppPage(pages_privacy.access_report_page, "info_officer"),
    "privacy-request-copy": AppPage(pages_privacy.copy_request_page, "info_officer"),
    "privacy-copy-print": AppPage(pages_privacy.copy_print_page, "info_officer"),
    "privacy-request-deletion": AppPage(pages_privacy.deletion_request_page, "info_officer"),
    "privacy-request-correction": AppPage(pages_privacy.correction_request_page, "info_officer"),
    "privacy-retention": AppPage("/privacy/retention/", "info_officer"),
    "privacy-retention-run": AppPage(pages_privacy.run_page, "info_officer"),
    # -- privacy: sharing, disclosures, incidents (issue 13) --
    "privacy-sharing": AppPage("/privacy/sharing/", "manager"),
    "grants": AppPage("/privacy/grants/", "manager", setup=pps.grants_setup),
    "grant-new": AppPage("/privacy/grants/new/", "manager"),
    "grant-new-error": AppPage(
        "/privacy/grants/new/", "manager", action=_submit_empty_form, status=400
    ),
    "grant-detail": AppPage(pps.grant_page, "manager"),
    "grant-review": AppPage("/privacy/grants/review/", "manager", setup=pps.grants_setup),
    "grants-mine": AppPage("/privacy/grants/mine/", "practitioner_b", setup=pps.grants_setup),
    "partners": AppPage("/privacy/partners/", "officer_user", setup=pps.transfers_setup),
    "partner-detail": AppPage(pps.partner_page, "officer_user"),
    "transfers": AppPage("/privacy/transfers/", "officer_user", setup=pps.transfers_setup),
    "transfer-new": AppPage("/privacy/transfers/new/", "officer_user", setup=pps.transfers_setup),
    "transfer-new-error": AppPage(
        "/privacy/transfers/new/", "officer_user", action=_submit_empty_form, status=400
    ),
    "transfer-detail": AppPage(pps.transfer_page, "officer_user"),
    "disclosures": AppPage("/privacy/disclosures/", "officer_user", setup=pps.disclosures_setup),
    "disclosure-new": AppPage("/privacy/disclosures/new/", "officer_user"),
    "disclosure-detail": AppPage(pps.disclosure_page, "officer_user"),
    "incidents": AppPage("/privacy/incidents/", "officer_user", setup=pps.incidents_setup),
    "incident-new": AppPage("/privacy/incidents/new/", "officer_user"),
    "incident-detail": AppPage(pps.incident_page, "officer_user"),
    "incident-detail-error": AppPage(
        pps.incident_page, "officer_user", action=pps.submit_form("reads"), status=400
    ),
    # -- complaints and whistle-blowing (issue 14) --
    "complaints": AppPage("/complaints/", "manager", setup=pages_complaints.cases),
    "complaint-new": AppPage("/complaints/new/", "front_desk"),
    "complaint-new-error": AppPage(
        "/complaints/new/", "front_desk", action=_submit_empty_form, status=400
    ),
    "complaint-detail": AppPage(pages_complaints.case_page, "manager"),
    "complaint-public": AppPage(pages_complaints.public_page, None),
    "complaint-public-error": AppPage(
        pages_complaints.public_page, None, action=_submit_empty_form, status=400
    ),
    "complaint-follow": AppPage("/complaints/follow/", None),
    "complaint-analysis": AppPage("/complaints/analysis/", "auditor", setup=pages_complaints.cases),
    "report-new": AppPage("/complaints/reports/new/", "front_desk"),
    "report-detail": AppPage(pages_complaints.report_page, "auditor"),
    # -- supervision: internal audits, KPIs, rewards and penalties (issue 14) --
    "audits": AppPage("/supervision/audits/", "auditor", setup=psv.audits),
    "audit-new": AppPage("/supervision/audits/new/", "auditor"),
    "audit-new-error": AppPage(
        "/supervision/audits/new/", "auditor", action=_submit_empty_form, status=400
    ),
    "audit-detail": AppPage(psv.audit_page, "auditor"),
    "audit-report": AppPage(psv.report_page, "auditor"),
    "audit-finding-owner": AppPage(psv.finding_page, "manager"),
    "kpis-store": AppPage("/supervision/kpis/", "manager", setup=psv.kpis),
    "kpi-rules": AppPage("/supervision/rules/", "manager", setup=psv.kpis),
    "kpi-sanctions": AppPage("/supervision/sanctions/", "manager", setup=psv.kpis),
    "kpis-mine": AppPage("/supervision/kpis/mine/", "practitioner", setup=psv.kpis),
    # -- membership cards (issue 15 §2, POS-2) --
    "cards": AppPage(pages_cards.cards_page, "front_desk"),
    "card-detail": AppPage(pages_cards.card_page, "front_desk"),
    "card-new": AppPage(pages_cards.card_new_page, "front_desk"),
    "card-top-up": AppPage(pages_cards.top_up_page, "front_desk"),
    "card-top-up-error": AppPage(
        pages_cards.top_up_page, "front_desk", action=pages_cards.bad_top_up, status=400
    ),
    "card-transfer": AppPage(pages_cards.transfer_page, "front_desk"),
    "card-refund": AppPage(pages_cards.refund_page, "front_desk"),
    "card-reverse": AppPage(pages_cards.reverse_page, "front_desk"),
    "card-types": AppPage(pages_cards.types_page, "manager"),
    "card-type-edit": AppPage(pages_cards.type_page, "manager"),
    "card-type-new": AppPage("/cards/types/new/", "manager"),
    "card-liability": AppPage(pages_cards.liability_page, "manager"),
    "client-file-cards": AppPage(pages_cards.client_file_page, "manager"),
    # -- commissions (issue 15 §3, POS-3) --
    "commissions-month": AppPage(pages_commissions.month_page, "manager"),
    "commissions-own": AppPage(pages_commissions.own_page, "practitioner"),
    "commissions-rules": AppPage(pages_commissions.rules_page, "finance"),
    "commissions-rule-new": AppPage("/commissions/rules/new/", "manager"),
    "commissions-rule-new-error": AppPage(
        "/commissions/rules/new/",
        "manager",
        action=pages_commissions.submit_bad_rule,
        status=400,
    ),
    "performance-with-commissions": AppPage(
        "/performance/", "manager", setup=pages_commissions.published_month
    ),
    "not-allowed": AppPage("/categories/", "front_desk", status=403),
    "not-found": AppPage("/no-such-page", status=404),
}


def pytest_generate_tests(metafunc):
    if "app_page" in metafunc.fixturenames:
        # ``@pytest.mark.app_pages("home-admin", ...)``: only those pages; else every page.
        chosen = metafunc.definition.get_closest_marker("app_pages")
        names = list(chosen.args) if chosen else list(APP_PAGES)
        metafunc.parametrize("app_page", names, indirect=True)
    if "language" in metafunc.fixturenames:
        metafunc.parametrize("language", LANGUAGES)


def page_language(name: str) -> str:
    """The interface language a page is checked in: the three take turns down the list of
    pages, so every language is checked on a third of the pages and every page once (the
    markup is the same in every language; only the words differ)."""
    return LANGUAGES[list(APP_PAGES).index(name) % len(LANGUAGES)]


@pytest.fixture
def language_shares():
    """How many pages each language is checked on."""
    from collections import Counter

    return Counter(page_language(name) for name in APP_PAGES)


@pytest.fixture
def storeless_user(db):
    from anxin.accounts.services import user_create

    return user_create(username="storeless", password=PASSWORD)


@pytest.fixture
def served_client(request):
    """A client of the store whom the practitioner served yesterday."""
    return _client(request, served=True)


class OpenablePage:
    def __init__(self, spec, path):
        self.spec, self.path = spec, path
        self.language = None


@pytest.fixture
def app_page(request, seeded, browser_login):
    """The parametrized page, with its data made and its user logged in."""
    spec = APP_PAGES[request.param]
    if "set_language" in request.fixturenames:
        request.getfixturevalue("set_language")(page_language(request.param))
    if spec.user:
        browser_login(request.getfixturevalue(spec.user), second_factor=spec.second_factor)
    if spec.setup:
        spec.setup(request)
    path = spec.path(request) if callable(spec.path) else spec.path
    opened = OpenablePage(spec, path)
    opened.language = page_language(request.param)
    return opened


@pytest.fixture
def open_app_page(page):
    """Go to the page, do its action, check it ended where and how it should."""

    def go(app_page):
        spec, path = app_page.spec, app_page.path
        response = page.goto(path)
        if spec.action:
            response = spec.action(page)
        assert response.status == spec.status, f"{path}: HTTP {response.status}"
        url = spec.url(path) if callable(spec.url) else spec.url
        assert urlsplit(page.url).path == (url or path.split("?")[0])
        return page

    return go
