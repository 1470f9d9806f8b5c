"""Issue 12: each role's home is its "today" — what to do next, only what the role may see, in
a number of queries that does not grow with the day's bookings."""

import datetime as dt
from unittest import mock

import pytest
from django.core.cache import cache
from django.utils import timezone

from anxin.core.testing import BIG_TABLES, assert_no_full_scans, captured

pytestmark = pytest.mark.django_db

# Besides the big tables, what the homes count: each read must use an index.
DAY_TABLES = ("attendance_clockrecord", "approvals_changerequest", "audit_alert")


@pytest.fixture
def clock():
    """Today at 11:00 in the store's zone: the tests' bookings all fall on one day."""
    real = timezone.localtime(timezone.now())
    fixed = real.replace(hour=11, minute=0, second=0, microsecond=0)
    with mock.patch("django.utils.timezone.now", return_value=fixed):
        yield fixed


@pytest.fixture
def day(clock, store, manager, front_desk, practitioner, practitioner_b):
    """Practitioner A: 林小雨 at 12:00; practitioner B: 张伟 at 11:30 and 王芳 at 10:57 (late)."""
    from anxin.catalogue.testing import make_client, make_item
    from anxin.scheduling.services import appointment_book

    item = make_item(actor=manager, store=store, name="Foot massage", price="98.00", duration=15)

    def book(person, name, phone, at):
        client = make_client(actor=front_desk, store=store, name=name, phone=phone)
        return appointment_book(
            actor=front_desk,
            store=store,
            client=client,
            practitioner=person,
            start=clock + at,
            item=item,
        )

    return {
        "mine": book(practitioner, "林小雨", "13900001111", dt.timedelta(hours=1)),
        "other": book(practitioner_b, "张伟", "13900002222", dt.timedelta(minutes=30)),
        "late": book(practitioner_b, "王芳", "13900003333", dt.timedelta(minutes=-3)),
    }


def home(client, login, user):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    login(client, user)
    response = client.get("/")
    assert response.status_code == 200
    return response, response.content.decode()


def panels(response) -> dict:
    return dict(response.context["panels"])


@pytest.mark.req("UX-1", "SEC-3")
def test_practitioner_home_leads_with_own_next_client_not_another_practitioners(
    client, login, practitioner, day
):
    response, body = home(client, login, practitioner)
    mine = panels(response)["core/_today_mine.html"]
    assert mine["next"] == day["mine"] and mine["current"] is None
    assert [a.code for a in mine["rows"]] == [day["mine"].code]
    # The most important line first, as the first heading after the page's own.
    assert '<h2 id="my-day-heading">Free now. Next client: 林小雨 at 12:00</h2>' in body
    assert body.index("my-day-heading") < body.index("roles-heading")
    assert "张伟" not in body and "王芳" not in body
    assert "Start service (上钟): 12:00 Foot massage" in body
    assert "core/_today_desk.html" not in panels(response)  # the store's day is not theirs
    assert "core/_today_waiting.html" not in panels(response)


@pytest.mark.req("UX-1", "BIZ-3")
def test_practitioner_starts_and_ends_a_service_from_home_and_stays_there(
    client, login, practitioner, manager, day, store
):
    from anxin.scheduling.services import queue_open

    queue_open(actor=manager, store=store, day=timezone.localdate(), practitioners=[practitioner])
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    login(client, practitioner)
    code = day["mine"].code
    response = client.post(f"/appointments/{code}/serve/start/", {"next": "home"})
    assert response.status_code == 302 and response.url == "/"
    day["mine"].refresh_from_db()
    assert day["mine"].status == "in_service"
    response, body = home(client, login, practitioner)
    mine = panels(response)["core/_today_mine.html"]
    assert mine["current"] == day["mine"] and mine["queue_place"] == 1
    assert "In service with 林小雨 until " in body
    assert "You are number 1 in the rotation queue." in body
    assert "End service (下钟): 12:00 Foot massage" in body
    response = client.post(f"/appointments/{code}/serve/end/", {"next": "home"})
    assert response.url == "/"
    day["mine"].refresh_from_db()
    assert day["mine"].status == "done"


@pytest.mark.req("UX-1", "BIZ-3")
def test_front_desk_home_shows_arrivals_next_first_waiting_and_free_practitioners(
    client, login, front_desk, practitioner, practitioner_b, day
):
    response, body = home(client, login, front_desk)
    desk = panels(response)["core/_today_desk.html"]
    assert desk["arrivals"] == [day["other"], day["mine"]]  # 11:30 before 12:00
    assert desk["waiting"] == [day["late"]]
    assert desk["count"] == 3
    # B's 10:57 client is waiting for B: only A is free.
    assert desk["free"] == [practitioner]
    assert "Today: 3 bookings" in body
    for name in ("林小雨", "张伟", "王芳"):
        assert name in body
    for link in ('href="/clients/new/"', 'href="/appointments/new/"'):
        assert link in body
    assert "core/_today_mine.html" not in panels(response)


@pytest.mark.req("UX-1", "SEC-2")
def test_manager_home_shows_bookings_utilisation_and_what_waits(client, login, manager, day):
    response, body = home(client, login, manager)
    desk = panels(response)["core/_today_desk.html"]
    assert desk["count"] == 3 and desk["utilisation"] is not None
    waiting = panels(response)["core/_today_waiting.html"]
    assert waiting["approvals"] == 0 and waiting["leave"] == 0
    assert waiting["present"] == []
    assert "alerts" not in waiting  # the store manager does not read the alerts
    assert "0 changes waiting for your approval" in body
    assert "Staff present now" in body


@pytest.mark.req("UX-1", "SEC-2")
def test_finance_and_auditor_homes_show_only_their_own_work(client, login, finance, auditor, day):
    response, body = home(client, login, finance)
    shown = panels(response)
    assert "core/_today_desk.html" not in shown and "core/_today_mine.html" not in shown
    assert shown["core/_today_waiting.html"]["takings"]["n"] == 0
    assert "林小雨" not in body  # finance reads takings, not the booking list
    client.logout()
    response, body = home(client, login, auditor)
    shown = panels(response)
    assert set(shown["core/_today_waiting.html"]) - {"as_of"} == {"alerts"}
    assert "0 open alerts" in body
    assert "Today: 3 bookings" not in body and "林小雨" not in body


@pytest.mark.req("PLT-2")
@pytest.mark.sqlite_only
@pytest.mark.parametrize("persona", ["front_desk", "practitioner", "manager", "finance", "auditor"])
def test_today_home_queries_do_not_grow_with_the_days_bookings(
    client, login, request, persona, clock, store, manager, front_desk, practitioner
):
    from anxin.catalogue.testing import make_client, make_item
    from anxin.scheduling.services import appointment_book

    user = request.getfixturevalue(persona)
    login(client, user)
    _, before = captured(lambda: client.get("/"))
    item = make_item(actor=manager, store=store, name="Foot massage", price="98.00", duration=15)
    for i in range(4):
        appointment_book(
            actor=front_desk,
            store=store,
            client=make_client(
                actor=front_desk, store=store, name=f"客户{i}", phone=f"1390000{i:04d}"
            ),
            practitioner=practitioner,
            start=clock + dt.timedelta(hours=i),
            item=item,
        )
    cache.clear()  # the panels as they are computed, not as kept for a minute
    _, after = captured(lambda: client.get("/"))
    # A data key made inside the test's transaction is not cached until commit (crypto
    # keyring), so each decrypted name reads it here; in a running shop it is read once.
    before, after = ([q for q in qs if "crypto_datakey" not in q] for qs in (before, after))
    assert len(after) == len(before), "\n".join(after)
    assert_no_full_scans(after, (*BIG_TABLES, *DAY_TABLES))


@pytest.mark.req("UX-1", "SEC-2")
def test_hr_and_administrator_homes_show_what_waits_for_them(
    client, login, make_persona, admin_user, store, day
):
    hr = make_persona("hr_user", store, "hr")
    response, body = home(client, login, hr)
    shown = panels(response)
    assert set(shown) & {"core/_today_desk.html", "core/_today_mine.html"} == set()
    waiting = shown["core/_today_waiting.html"]
    assert waiting["present"] == [] and waiting["can_add_staff"]
    assert "approvals" not in waiting and "alerts" not in waiting
    assert "Staff present now" in body and 'href="/staff/"' in body
    client.logout()
    response, body = home(client, login, admin_user)
    waiting = panels(response)["core/_today_waiting.html"]
    assert (waiting["approvals"], waiting["alerts"]) == (0, 0)
    assert "core/_today_desk.html" not in panels(response) and "林小雨" not in body


# The desk's lists as the template wrote them before they were built in Python.
TEMPLATE_ROWS = (
    "{% load i18n people %}"
    "{% for a in panel.arrivals %}<li><time datetime=\"{{ a.start|date:'c' }}\">"
    '{{ a.start|time:"H:i" }}</time> {% blocktranslate with client=a.client.name '
    "item=a.item_name who=a.practitioner|person:current_store %}{{ client }}, {{ item }}, "
    "with {{ who }}{% endblocktranslate %} <a href=\"{% url 'scheduling:detail' a.code %}\">"
    "{{ a.code }}</a></li>{% endfor %}|"
    "{% for a in panel.waiting %}<li><time datetime=\"{{ a.start|date:'c' }}\">"
    '{{ a.start|time:"H:i" }}</time> {% blocktranslate with client=a.client.name '
    "who=a.practitioner|person:current_store %}{{ client }}, with {{ who }}"
    "{% endblocktranslate %} <a href=\"{% url 'scheduling:detail' a.code %}\">{{ a.code }}</a>"
    "</li>{% endfor %}|"
    "{% for a in panel.in_service %}<li>{% blocktranslate with "
    "who=a.practitioner|person:current_store client=a.client.name "
    'until=a.end|time:"H:i" %}{{ who }} with {{ client }} until {{ until }}'
    "{% endblocktranslate %}</li>{% endfor %}|"
    "{% for p in panel.free %}<li>{{ p|person:current_store }}</li>{% endfor %}"
)
PYTHON_ROWS = (
    '{% load today %}{% desk_rows panel.arrivals "arrivals" %}|'
    '{% desk_rows panel.waiting "waiting" %}|{% desk_rows panel.in_service "in_service" %}|'
    "{% people_items panel.free %}"
)


@pytest.mark.req("UX-1", "PLT-2")
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_desks_lists_are_the_templates_markup_byte_for_byte(
    client, login, front_desk, store, day, language
):
    from django.template import Context, Template
    from django.utils.translation import override

    from anxin.scheduling.models import Appointment, Status

    Appointment.objects.filter(pk=day["other"].pk).update(status=Status.IN_SERVICE)
    login(client, front_desk)
    desk = panels(client.get("/"))["core/_today_desk.html"]
    assert desk["arrivals"] and desk["waiting"] and desk["in_service"] and desk["free"]
    with override(language):
        context = {"panel": desk, "current_store": store}
        expected = Template(TEMPLATE_ROWS).render(Context(context))
        assert Template(PYTHON_ROWS).render(Context(context)) == expected
    assert "张伟" in expected and "王芳" in expected


@pytest.mark.req("PLT-2", "SEC-1")
def test_the_desk_reads_only_the_bookings_it_shows_and_nothing_encrypted(
    client, login, front_desk, day
):
    login(client, front_desk)
    response, sql = captured(lambda: client.get("/"))
    assert response.status_code == 200
    bookings = [q for q in sql if 'FROM "scheduling_appointment"' in q]
    for statement in bookings:
        assert '"clients_client"."phone' not in statement, statement
        assert '"staff_staffmember"."id_number"' not in statement, statement
    # The day's figures in one aggregate; rows only for who waits or is in service, and the
    # next arrivals (a limited list).
    assert any("COUNT(" in q for q in bookings)
    assert any(q.rstrip().endswith("LIMIT 8") for q in bookings)
