"""Issue 11: the home page's figures are kept a minute per store (and per person where they are
theirs), so a warm home reads a small, fixed number of queries however busy the store is; the
page says how old the figures are."""

import datetime as dt
import re
import time
from unittest import mock

import pytest
from django.utils import timezone
from django.utils.translation import override

from anxin.core.testing import captured

pytestmark = pytest.mark.django_db

# A warm home: the session, the user, the second factor's device (roles that need it), the
# person's stores, their roles in every store (one query for the second factor's check and the
# home's roles). The inbox's unread count is kept a minute.
WARM_QUERIES = 5


@pytest.fixture(autouse=True)
def clock():
    """Today at 09:00 in the store's zone: the bookings below are later the same day."""
    real = timezone.localtime(timezone.now())
    fixed = real.replace(hour=9, minute=0, second=0, microsecond=0)
    with mock.patch("django.utils.timezone.now", return_value=fixed):
        yield fixed


def book_day(n, *, store, manager, front_desk, practitioner):
    from anxin.catalogue.testing import make_client, make_item
    from anxin.scheduling.services import appointment_book

    item = make_item(actor=manager, store=store, name="Foot massage", price="98.00", duration=15)
    start = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    for i in range(n):
        appointment_book(
            actor=front_desk,
            store=store,
            client=make_client(
                actor=front_desk, store=store, name=f"客{i}", phone=f"1390001{i:04d}"
            ),
            practitioner=practitioner,
            start=start + dt.timedelta(hours=i),
            item=item,
        )


@pytest.mark.req("PLT-2")
@pytest.mark.parametrize("persona", ["front_desk", "practitioner", "manager", "finance", "auditor"])
def test_a_warm_home_reads_a_few_queries_that_do_not_grow(
    client, login, request, persona, store, manager, front_desk, practitioner
):
    user = request.getfixturevalue(persona)
    login(client, user)
    client.get("/")  # fills the cache
    _, before = captured(lambda: client.get("/"))
    book_day(4, store=store, manager=manager, front_desk=front_desk, practitioner=practitioner)
    client.get("/")
    _, after = captured(lambda: client.get("/"))
    assert len(after) == len(before) <= WARM_QUERIES, "\n".join(after)
    for table in (
        "scheduling_appointment",
        "clients_servicerecord",
        "approvals_changerequest",
        "notifications_notification",
        "accounts_role",
    ):
        assert not [q for q in after if f'FROM "{table}"' in q]


@pytest.mark.req("PLT-2", "UX-1")
def test_home_figures_are_at_most_a_minute_old_and_say_so(
    client, login, store, manager, front_desk, practitioner
):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with override("en"):
        login(client, front_desk)
        first = client.get("/").content.decode()
        assert "Today: 0 bookings" in first and "As of " in first
        book_day(2, store=store, manager=manager, front_desk=front_desk, practitioner=practitioner)
        assert "Today: 0 bookings" in client.get("/").content.decode()  # kept
        later = mock.Mock(time=lambda: time.time() + 61)
        with mock.patch("django.core.cache.backends.locmem.time", later):
            assert "Today: 2 bookings" in client.get("/").content.decode()


@pytest.mark.req("PLT-2", "SEC-2")
def test_what_waits_for_one_person_is_kept_for_that_person_only(client, login, store, make_persona):
    from django.contrib.contenttypes.models import ContentType

    from anxin.approvals.models import ChangeRequest

    first = make_persona("manager_one", store, "store_manager")
    second = make_persona("manager_two", store, "store_manager")

    def approvals(user):
        client.logout()
        login(client, user)
        return dict(client.get("/").context["panels"])["core/_today_waiting.html"]["approvals"]

    assert approvals(first) == 0  # kept for a minute, for the first manager
    ChangeRequest.objects.create(
        store=store,
        kind="test",
        target_type=ContentType.objects.get_for_model(store),
        target_id=str(store.pk),
        payload={},
        reason="test",
        proposer=first,
        proposed_at=timezone.now(),
    )
    assert approvals(second) == 1  # not the first manager's figure
    assert approvals(first) == 0  # their own proposal does not wait for them


@pytest.mark.req("PLT-2", "BIZ-3")
def test_the_practitioners_kept_day_follows_their_own_start_and_end_at_once(
    client, login, store, manager, front_desk, practitioner
):
    """ "My day" is kept for its practitioner, but their own 上钟 / 下钟 (any POST of theirs)
    shows at once: the live buttons never offer what they have just done."""
    from anxin.scheduling.models import Appointment

    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    book_day(1, store=store, manager=manager, front_desk=front_desk, practitioner=practitioner)
    code = Appointment.objects.get().code
    with override("en"):
        login(client, practitioner)
        assert "Start service (上钟): 12:00 Foot massage" in client.get("/").content.decode()
        client.post(f"/appointments/{code}/serve/start/", {"next": "home"})
        body = client.get("/").content.decode()
        assert "End service (下钟): 12:00 Foot massage" in body
        assert "Start service (上钟)" not in body
        client.post(f"/appointments/{code}/serve/end/", {"next": "home"})
        body = client.get("/").content.decode()
        assert "End service (下钟)" not in body and "客0, Foot massage (done)" in body


@pytest.mark.req("PLT-2")
def test_the_inbox_count_is_kept_but_shows_what_reaches_or_leaves_the_inbox_at_once(
    client, login, store, front_desk
):
    from anxin.notifications.models import Notification
    from anxin.notifications.services import notify

    def header():
        return client.get("/").content.decode()

    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with override("en"):
        login(client, front_desk)
        assert "Inbox (" not in header()
        notify(recipients=[front_desk], subject="Backup failed", store=store)
        assert "Inbox (1 unread)" in header()  # sent: the kept count is forgotten
        _, queries = captured(header)
        assert not [q for q in queries if "notifications_notification" in q]  # kept
        note = Notification.objects.get()
        # Read in another server process: this one's kept count is not forgotten there, but
        # the person's own change (a POST) marks them for every process.
        with mock.patch("anxin.notifications.selectors.forget_unread"):
            client.post(f"/inbox/{note.pk}/read/")
        assert note.__class__.objects.get().read_at is not None
        assert "Inbox (" not in header()
        # Another process's notification: without the in-process forgetting, at most a
        # minute.
        Notification.objects.create(recipient=front_desk, store=store, subject="Later")
        assert "Inbox (" not in header()
        later = mock.Mock(time=lambda: time.time() + 61)
        with mock.patch("django.core.cache.backends.locmem.time", later):
            assert "Inbox (1 unread)" in header()


@pytest.mark.req("PLT-2")
def test_a_persons_change_is_marked_for_every_server_process_without_a_database_write(
    client, login, front_desk
):
    """The mark of a person's own change is a file in the data directory that every server
    process reads: a POST that changes nothing in the database writes nothing to it."""
    from django.conf import settings
    from django.core.cache.backends.filebased import FileBasedCache

    login(client, front_desk)
    client.get("/")
    before = time.time()
    _, queries = captured(lambda: client.post("/", {}))  # a POST the home refuses: no change
    assert not [q for q in queries if q.startswith(("INSERT", "UPDATE", "DELETE"))], queries
    other_process = FileBasedCache(settings.CACHES["marks"]["LOCATION"], {})
    assert other_process.get(f"changed:{front_desk.pk}") >= before


@pytest.mark.req("PLT-2")
def test_a_persons_own_change_shows_at_once_in_what_waits_for_them_and_in_their_tasks(
    client, login, store, front_desk, manager
):
    """What waits for the manager and their follow-up tasks are kept for them; someone else's
    change shows within the minute, their own (any POST of theirs) on their next home."""
    from django.contrib.contenttypes.models import ContentType

    from anxin.approvals.models import ChangeRequest
    from anxin.core.tests.test_home_queries import follow_ups

    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with override("en"):
        login(client, manager)
        body = client.get("/").content.decode()
        assert "0 changes waiting for your approval" in body
        assert "My follow-up tasks (0 open)" in body
        ChangeRequest.objects.create(
            store=store,
            kind="test",
            target_type=ContentType.objects.get_for_model(store),
            target_id=str(store.pk),
            payload={},
            reason="test",
            proposer=front_desk,
            proposed_at=timezone.now(),
        )
        follow_ups(2, assignee=manager, store=store, front_desk=front_desk)
        body = client.get("/").content.decode()
        assert "0 changes waiting for your approval" in body  # kept: not their change
        assert "My follow-up tasks (0 open)" in body
        client.post("/", {})  # a change of theirs (any POST) marks them
        body = client.get("/").content.decode()
        assert "1 change waiting for your approval" in body
        assert "My follow-up tasks (2 open)" in body


@pytest.mark.req("PLT-2")
def test_a_missing_panel_is_worked_out_once_however_many_threads_ask_for_it_at_once():
    """At the start of a minute a server process's threads all miss the kept panel at once:
    one works it out, the others wait for it and take its HTML."""
    import threading

    from django.core.cache import cache

    from anxin.core import home

    calls = []

    def context(request):
        calls.append(threading.get_ident())
        time.sleep(0.2)  # long enough for every thread to miss
        return {}

    panel = home.Panel("core/_as_of.html", context, lambda p, r: True, 1, lambda p, r: ())
    key = "home-panel:test-once"
    cache.delete_many([key, key + ":context"])
    start = threading.Barrier(4)
    pages = []

    def ask():
        start.wait()
        pages.append(home._kept(panel, key, None)[1])

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1
    assert len(pages) == 4 and len(set(pages)) == 1 and "09:00" in pages[0]
    cache.delete_many([key, key + ":context"])


TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.mark.req("PLT-2", "UX-1")
@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("persona", ["front_desk", "practitioner", "manager"])
def test_the_kept_page_is_the_templates_page_byte_for_byte_with_a_token_of_its_own(
    client, login, request, persona, language, store, manager, front_desk, practitioner
):
    """The home's shell is written by the template once and kept; each request puts in its
    panels and a CSRF token of its own (the test client listens for rendered templates, so
    it gets the template's page unless told that nobody listens, as in a running server)."""
    from django.test import Client
    from django.test.signals import template_rendered

    book_day(2, store=store, manager=manager, front_desk=front_desk, practitioner=practitioner)
    user = request.getfixturevalue(persona)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    login(client, user)
    rendered = client.get("/").content.decode()
    with mock.patch.object(template_rendered, "has_listeners", return_value=False):
        written = client.get("/").content.decode()  # the shell written, then kept
        kept = client.get("/").content.decode()
    assert TOKEN.sub("", kept) == TOKEN.sub("", written) == TOKEN.sub("", rendered)
    assert "\x00" not in kept
    assert TOKEN.findall(kept)[0] != TOKEN.findall(written)[0]  # a fresh token each time
    # The kept page's token is good for the session's next POST.
    strict = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE=language)
    strict.cookies = client.cookies
    with mock.patch.object(template_rendered, "has_listeners", return_value=False):
        token = TOKEN.findall(strict.get("/").content.decode())[-1]
    answer = strict.post("/i18n/setlang/", {"language": language, "next": "/"})
    assert answer.status_code == 403  # without the token
    answer = strict.post(
        "/i18n/setlang/", {"language": language, "next": "/", "csrfmiddlewaretoken": token}
    )
    assert answer.status_code == 302


@pytest.mark.req("PLT-2")
def test_the_kept_page_shows_a_new_name_and_unread_count_at_once(client, login, store, front_desk):
    from django.test.signals import template_rendered

    from anxin.notifications.services import notify

    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with override("en"), mock.patch.object(template_rendered, "has_listeners", return_value=False):
        login(client, front_desk)
        client.get("/")
        assert "Inbox (" not in client.get("/").content.decode()
        notify(recipients=[front_desk], subject="Backup failed", store=store)
        assert "Inbox (1 unread)" in client.get("/").content.decode()
        front_desk.full_name = "新名字"
        front_desk.save(update_fields=["full_name"])
        body = client.get("/").content.decode()
        assert "Welcome, 新名字" in body and "Log out (新名字)" in body
