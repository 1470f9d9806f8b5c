"""Issue 12, defects 3 and 4: every page a person reads speaks their language in words.

The main pages are rendered from the demo data in Simplified Chinese, and their visible text
must hold none of the identifiers the code stores (``view_health``, ``clients.client``,
``True``, ``['practitioner']``, UTC timestamps, setting names, paths): people are named by
their names, not their usernames, and each page has a title of its own.
"""

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone, translation

from anxin.accounts.models import Store, StoreType, User
from anxin.accounts.names import person_name
from anxin.audit import display

FORBIDDEN = [
    "view_health",
    "clients.client",
    "True",
    "False",
    "day view",
    "search (pinyin)",
    "['practitioner']",
    "('min_spend'",
    "admin ·",
    "ANXIN_",
]
UTC_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z")


class _Visible(HTMLParser):
    """The text a person reads: the title and the body, without scripts, styles and the
    folded-away technical detail (``<details>``, which may name settings and paths)."""

    HIDDEN = {"script", "style", "details"}

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.title = ""
        self._hidden = 0
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self._hidden += 1
        self._in_title = tag == "title"
        for name, value in attrs:
            if name in ("placeholder", "aria-label", "title", "alt") and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in self.HIDDEN:
            self._hidden -= 1
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        if not self._hidden and data.strip():
            self.parts.append(data.strip())


def visible(response) -> tuple[str, str]:
    assert response.status_code == 200, response.status_code
    parser = _Visible()
    parser.feed(response.content.decode())
    return parser.title.strip(), "\n".join(parser.parts)


@pytest.fixture
def demo(db):
    call_command("demo", scale="small", seed=3, stdout=open("/dev/null", "w"))  # noqa: SIM115
    store = Store.objects.get(short_code="BJ01")
    users = {u.username: u for u in User.objects.all()}
    return store, users


def _as(client, login, user):
    client.logout()
    login(client, user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    return client


def _at(day, hour):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def _book_soon(scheduling, *, desk, store, client, item, practitioner) -> dt.date:
    """Book the first working hour of the coming days (the demo's shifts and holidays)."""
    from django.core.exceptions import ValidationError

    for days in range(1, 15):
        day = timezone.localdate() + dt.timedelta(days=days)
        for hour in range(9, 18):
            try:
                scheduling.appointment_book(
                    actor=desk,
                    store=store,
                    client=client,
                    practitioner=practitioner,
                    start=_at(day, hour),
                    item=item,
                )
            except ValidationError:
                continue
            return day
    raise AssertionError("no working hour in two weeks")


def _busy_day(store, users):
    """Today's queue of every practitioner, two bookings on a coming day, a pinyin search and a reading of
    the day view, so the logs and pages have something to show."""
    from anxin.catalogue.models import ServiceItem
    from anxin.clients.models import Client
    from anxin.scheduling import services as scheduling
    from anxin.scheduling.selectors import practitioners

    desk = users["frontdesk"]
    people = list(practitioners(store))
    scheduling.queue_open(
        actor=users["manager"], store=store, day=timezone.localdate(), practitioners=people
    )
    client = Client.objects.filter(store=store).order_by("code").first()
    item = ServiceItem.objects.filter(store=store, active=True).order_by("code").first()
    days = {
        who: _book_soon(
            scheduling, desk=desk, store=store, client=client, item=item, practitioner=who
        )
        for who in people[:2]
    }
    first = min(days.values())
    # The first of the two days, and who is booked on it (the demo's shifts may give the two
    # practitioners different first working days).
    return client, people, first, [who for who, day in days.items() if day == first]


@pytest.mark.django_db
@pytest.mark.req("UX-1", "UX-2")
def test_main_pages_in_chinese_show_words_and_names_not_identifiers(client, login, demo):
    store, users = demo
    record, people, booked, booked_people = _busy_day(store, users)
    from anxin.catalogue.models import Promotion

    promotion = next(p for p in Promotion.objects.filter(store=store) if "min_spend" in p.rules)
    today = booked.isoformat()
    # Reads that the logs record with their purposes (search by pinyin, the day view, …).
    _as(client, login, users["frontdesk"])
    assert client.get("/clients/", {"q": "zs"}).status_code == 200
    assert client.get("/appointments/", {"day": today}).status_code == 200
    assert client.get(f"/clients/{record.code}/").status_code == 200
    _as(client, login, users["manager"])
    from anxin.performance.services import publish

    publish(actor=users["manager"], store=store, month=timezone.localdate())
    assert client.get(f"/clients/{record.code}/").status_code == 200

    pages = {
        ("manager", f"/clients/{record.code}/"): None,
        ("manager", "/appointments/?day=" + today): None,
        ("manager", "/appointments/queue/"): None,
        ("manager", "/performance/"): None,
        ("manager", f"/catalogue/promotions/{promotion.code}/"): None,
        ("frontdesk", "/appointments/new/"): None,
        ("auditor", "/audit/operations/"): None,
        ("auditor", "/audit/uses/"): None,
        ("admin", "/accounts/review/"): None,
        ("admin", f"/accounts/people/{users['admin'].pk}/"): None,
        ("infosec", "/"): None,
        ("infosec", "/backups/"): None,
    }
    for who, path in pages:
        _as(client, login, users[who])
        pages[(who, path)] = visible(client.get(path))

    for (who, path), (title, text) in pages.items():
        seen = f"{title}\n{text}"
        for word in FORBIDDEN:
            assert word not in seen, f"{word!r} on {path} ({who})"
        assert not UTC_STAMP.search(seen), f"a UTC timestamp on {path}"
        assert str(settings.DATA_DIR) not in seen, f"a file path on {path}"

    # People by their names: the practitioners in the queue, the day view, the booking form,
    # the performance table; the readers of the client file; the operators in the logs.
    names = [person_name(p, store) for p in people]
    for path, expected in (
        ("/appointments/queue/", names),
        ("/appointments/?day=" + today, [person_name(p, store) for p in booked_people]),
        ("/performance/", None),
    ):
        text = pages[("manager", path)][1]
        if expected is None:  # whoever the month has figures for
            expected = [n for n in names if n in text]
            assert expected, path
        assert all(name in text for name in expected), path
        assert not re.search(r"\bbj01-ms\d\d\b|\bpractitioner\b", text), path
    assert all(name in pages[("frontdesk", "/appointments/new/")][1] for name in names)
    access = pages[("manager", f"/clients/{record.code}/")][1].split("谁查看过此档案")[1]
    assert person_name(users["frontdesk"], store) in access and "frontdesk" not in access
    uses = pages[("auditor", "/audit/uses/")][1]
    assert person_name(users["frontdesk"], store) in uses
    assert not re.search(r"\bfrontdesk\b|\bmanager\b", uses)
    review = pages[("admin", "/accounts/review/")][1]
    assert person_name(users["manager"], store) in review
    # The store's one word for its practitioners heads the queue.
    with translation.override("zh-hans"):
        term = str(store.practitioner_term)
    assert term.lower() in pages[("manager", "/appointments/queue/")][1].lower()


@pytest.mark.django_db
@pytest.mark.req("UX-1")
def test_main_pages_have_titles_of_their_own(client, login, demo):
    store, users = demo
    from anxin.catalogue.models import Promotion, ServiceItem
    from anxin.clients.models import Client, ServiceRecord
    from anxin.delivery.models import FollowUpTask
    from anxin.staff.models import StaffMember

    record = Client.objects.filter(store=store).order_by("code").first()
    service = ServiceRecord.objects.filter(store=store).order_by("pk").first()
    task = FollowUpTask.objects.filter(store=store).order_by("pk").first()
    member = StaffMember.objects.filter(store=store, user=users["practitioner"]).get()
    item = ServiceItem.objects.filter(store=store).order_by("code").first()
    promotion = Promotion.objects.filter(store=store).order_by("code").first()
    paths = {
        "manager": [
            "/",
            "/clients/",
            f"/clients/{record.code}/",
            "/services/",
            f"/services/{service.pk}/",
            "/services/tasks/",
            f"/services/tasks/{task.pk}/",
            "/appointments/",
            "/appointments/queue/",
            "/performance/",
            "/catalogue/items/",
            f"/catalogue/items/{item.code}/",
            "/catalogue/promotions/",
            f"/catalogue/promotions/{promotion.code}/",
            "/staff/",
            f"/staff/{member.pk}/",
        ],
        "admin": ["/accounts/people/", f"/accounts/people/{users['frontdesk'].pk}/"],
        "auditor": ["/audit/operations/", "/audit/uses/", "/audit/alerts/"],
    }
    titles = {}
    for who, urls in paths.items():
        _as(client, login, users[who])
        for path in urls:
            title, _text = visible(client.get(path))
            assert title not in titles, f"{path} has the title of {titles.get(title)}: {title}"
            titles[title] = path
    # A record's page names the record and its section: 林小雨 KH26120001 · 客户 · 安信.
    client_title = next(t for t, p in titles.items() if p == f"/clients/{record.code}/")
    assert client_title.startswith(f"{record.name} {record.code} · ")
    assert not any(t.startswith(("admin ·", "frontdesk ·")) for t in titles)


@pytest.mark.django_db
@pytest.mark.req("UX-4")
def test_demo_accounts_and_their_staff_files_name_the_same_person(demo):
    from anxin.core.demo import FEMALE_GIVEN, MALE_GIVEN
    from anxin.staff.models import StaffMember

    store, users = demo
    linked = StaffMember.objects.filter(user__isnull=False).select_related("user")
    assert linked.filter(user=users["practitioner"]).exists()
    for member in linked:
        assert member.user.full_name == member.name, member.user.username
        assert member.user.phone == member.phone
        given = member.name[-1]
        if member.gender == "F":
            assert given in FEMALE_GIVEN, member.name
        elif member.gender == "M":
            assert given in MALE_GIVEN, member.name
    assert store.store_type == StoreType.MASSAGE


@pytest.mark.req("UX-2")
def test_logged_values_read_as_words():
    assert display.words(True) != "True" and display.words(False) != "False"
    assert display.words("2026-12-02T03:04:05Z") == "2026-12-02 11:04"
    assert display.purpose_label("search (pinyin)") != "search (pinyin)"
    assert display.purpose_label("day view") != "day view"
    assert display.purpose_label("家属代问") == "家属代问"  # typed by a person: as typed
    assert display.record_type_label("clients.client") != "clients.client"
    assert "150.00" in display.promotion_rules_words("('min_spend', '150.00')")
    assert "min_spend" not in display.promotion_rules_words({"min_spend": "150.00"})
    assert "view_health" not in display.grant_label("clients.client.view_health:served")
    roles = display.words(["practitioner"], record_type="accounts.user", field="roles")
    assert "practitioner" not in roles.lower() or roles != "['practitioner']"


@pytest.mark.django_db
@pytest.mark.req("UX-2")
def test_each_kind_of_store_has_one_word_for_its_practitioners(store):
    from anxin.accounts.services import store_settings_update

    terms = set()
    for kind in StoreType:
        store = store_settings_update(actor=None, store=store, store_type=kind)
        terms.add(store.practitioner_term)
    assert len(terms) == len(StoreType)


@pytest.mark.django_db
@pytest.mark.req("UX-1")
def test_two_people_of_one_name_are_told_apart_by_their_staff_code(store, make_persona):
    from anxin.staff.models import StaffKind
    from anxin.staff.services import staff_register

    hr = make_persona("hr", store, "hr")
    first = make_persona("ms-a", store, "practitioner")
    second = make_persona("ms-b", store, "practitioner")
    alone = make_persona("ms-c", store, "practitioner")
    for user, name in ((first, "王芳"), (second, "王芳"), (alone, "李强")):
        staff_register(
            actor=hr,
            store=store,
            user=user,
            kind=StaffKind.PRACTITIONER,
            name=name,
            hire_date=dt.date(2024, 1, 1),
        )
    store = Store.objects.get(pk=store.pk)
    a, b = person_name(first, store), person_name(second, store)
    assert a != b and a.startswith("王芳 MS") and b.startswith("王芳 MS")
    assert person_name(alone, store) == "李强"
    assert person_name(first) == "王芳"  # without a store: the name alone


@pytest.mark.django_db
@pytest.mark.req("UX-1", "UX-2")
def test_a_salon_names_its_practitioners_beauticians_not_technicians(
    client, login, store, manager, front_desk, practitioner
):
    """The store's one word for the people who serve (美容师 in a salon) wherever a page names
    that role in the store: home, the queue, the booking and service forms, free times, the
    staff list; the generic 技师 and the massage shop's 按摩师 nowhere."""
    from anxin.accounts.services import store_settings_update
    from anxin.scheduling import services as scheduling

    store_settings_update(actor=None, store=store, store_type=StoreType.BEAUTY)
    store = Store.objects.get(pk=store.pk)
    scheduling.queue_open(
        actor=manager, store=store, day=timezone.localdate(), practitioners=[practitioner]
    )
    pages = [
        (practitioner, "/"),
        (manager, "/appointments/queue/"),
        (front_desk, "/appointments/new/"),
        (front_desk, "/services/new/"),
        (front_desk, "/appointments/calendar/"),
    ]
    for who, path in pages:
        _as(client, login, who)
        title, text = visible(client.get(path))
        seen = f"{title}\n{text}"
        assert "美容师" in seen, path
        assert "技师" not in seen and "按摩师" not in seen, (path, seen)
    # A refusal names the role with the store's word too.
    from django.core.exceptions import ValidationError

    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        scheduling.queue_open(
            actor=manager, store=store, day=timezone.localdate(), practitioners=[front_desk]
        )
    assert "技师" not in str(refused.value) and "按摩师" not in str(refused.value)
