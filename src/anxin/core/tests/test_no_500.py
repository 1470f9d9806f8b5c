"""No input gives a 500 (PLT-4, issue 10 defect 2): a property test over every form and every
GET parameter of the main pages.

The pages are not listed by hand, so a new page cannot be forgotten: the demo store is loaded
once, and as a manager and as a practitioner the test walks the site from the home page
(following links, one page per URL shape), collecting every form on the way — its action, its
method and its fields with the values the page filled in. Then hypothesis throws arbitrary text
and extreme values (``9999-12-31``, ``0001-01-01``, lone surrogates, NUL, huge integers) at each
field, one form and one page after the other, the rest of the fields keeping their values so the
bad one gets past the others; the request body is encoded the way a broken client would send it
(a lone surrogate becomes bytes that are not UTF-8). Every answer must be below 500.
"""

import os
import re
import urllib.parse
from dataclasses import dataclass
from html.parser import HTMLParser

import pytest
from django.test import Client as HttpClient
from django.urls import Resolver404, resolve
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

# What a page must not be sent: it ends the session, changes the password or the store, runs
# a backup or a restore (minutes of work on disk), or is a download.
SKIP_URL_NAMES = {
    "logout",
    "password_change",
    "store_switch",
    "set_language",
    "run",
    "drill_run",
    "restore",
    "progress",
    "recovery_progress",
    "template",
}
SKIP_PREFIXES = ("/static/", "/bench/", "/healthz")
# GET parameters read outside a page's forms (paging, cursors, filters, pre-filled fields).
EXTRA_GET = ("page", "after", "before", "oldest", "status", "show", "client", "next", "day")

EXTREME = [
    "9999-12-31",
    "0001-01-01",
    "9999-12-31T23:30",
    "0001-01-01T00:00",
    "9999-12",
    "0000-00",
    "2024-02-30",
    "\udcff",
    "\ud800x",
    "\x00",
    "\x80",
    "\ufffd",
    "\U0010ffff",
    "王\U0010ffff",
    "9" * 30,
    str(2**63),
    str(-(2**63) - 1),
    "-1",
    "0",
    "1e999",
    "NaN",
    "",
    " ",
    "<script>alert(1)</script>",
    "data:image/png;base64,AAAA",
]
HUGE_NUMBERS = (str(2**63), str(-(2**63) - 1))
# The extreme values of each kind of date input, tried on every such field (the rest of the
# form as the page filled it in): the overflow of a day range or a time zone is reached only
# by a form that is otherwise valid.
DATE_VALUES = {
    "date": ("9999-12-31", "0001-01-01"),
    "datetime-local": ("9999-12-31T23:30", "0001-01-01T00:00"),
    "month": ("9999-12", "0001-01"),
}
VALUES = st.one_of(
    st.sampled_from(EXTREME),
    st.text(max_size=40),
    st.integers().map(str),
    st.dates().map(str),
)


class _Page(HTMLParser):
    """The links and forms of one page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.forms: list[dict] = []
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        form = self.forms[-1] if self.forms else None
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self.forms.append(
                {
                    "method": a.get("method", "get").lower(),
                    "action": a.get("action"),
                    "fields": {},
                    "dates": {},
                }
            )
        elif form is None or not a.get("name"):
            return
        elif tag == "input":
            if a.get("type") in ("submit", "button", "file", "image", "reset"):
                if a.get("type") == "submit":
                    form["fields"].setdefault(a["name"], a.get("value", ""))
                return
            if a.get("type") in ("checkbox", "radio") and a["name"] in form["fields"]:
                return
            form["fields"][a["name"]] = a.get("value", "on" if a.get("type") == "checkbox" else "")
            if a.get("type") in DATE_VALUES:
                form["dates"][a["name"]] = a["type"]
        elif tag == "button" and a.get("name"):
            form["fields"].setdefault(a["name"], a.get("value", ""))
        elif tag == "select":
            self._select = a["name"]
            form["fields"].setdefault(a["name"], "")
        elif tag == "option" and self._select and form is not None:
            if not form["fields"].get(self._select) and a.get("value"):
                form["fields"][self._select] = a["value"]
        elif tag == "textarea":
            self._textarea = a["name"]
            form["fields"][a["name"]] = ""

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self.forms:
            self.forms[-1]["fields"][self._textarea] += data


def _shape(path: str) -> str:
    """One page per URL shape: codes and ids stand for any."""
    return re.sub(r"[A-Z]{2}\d+|\d+", "N", path)


def _local(base: str, href: str | None) -> str | None:
    url = urllib.parse.urljoin(base, href or base)
    parts = urllib.parse.urlsplit(url)
    if parts.netloc not in ("", "testserver") or parts.path.startswith(SKIP_PREFIXES):
        return None
    try:
        match = resolve(parts.path)
    except Resolver404:
        return None
    if match.url_name in SKIP_URL_NAMES:
        return None
    return parts.path


def crawl(http: HttpClient, limit: int = 120) -> tuple[dict, dict, list]:
    """What the signed-in user reaches from the home page: the GET targets (path → parameter
    names), the POST forms (by shape: path and fields with the page's values) and every date
    input (method, path, fields, the date field's name and type)."""
    seen, queue = {}, ["/"]
    gets: dict[str, set[str]] = {}
    posts: dict[tuple, tuple[str, dict]] = {}
    dates: dict[tuple, tuple] = {}
    while queue and len(seen) < limit:
        path = queue.pop(0)
        if _shape(path) in seen:
            continue
        seen[_shape(path)] = path
        response = http.get(path)
        if response.status_code >= 500:
            pytest.fail(f"GET {path} answered {response.status_code}")
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        page = _Page()
        page.feed(response.content.decode())
        for form in page.forms:
            action = _local(path, form["action"])
            if action is None:
                continue
            fields = {k: v for k, v in form["fields"].items() if k != "csrfmiddlewaretoken"}
            if form["method"] == "get":
                gets.setdefault(action, set()).update(fields, EXTRA_GET)
            else:
                key = (_shape(action), tuple(sorted(fields)))
                posts.setdefault(key, (action, fields))
            for name, kind in form["dates"].items():
                key = (form["method"], _shape(action), name)
                dates.setdefault(key, (form["method"], action, fields, name, kind))
        for href in page.links:
            href = href.split("#")[0]
            target = _local(path, href)
            if target is None:
                continue
            query = urllib.parse.urlsplit(href).query
            if query:  # a page that reads GET parameters: the ones its links send, and more
                names = urllib.parse.parse_qs(query, keep_blank_values=True)
                gets.setdefault(target, set()).update(names, EXTRA_GET)
            if _shape(target) not in seen:
                queue.append(target)
    return gets, posts, list(dates.values())


def _encode(pairs: dict[str, str]) -> str:
    """``application/x-www-form-urlencoded`` as a careless client writes it: a lone surrogate
    is sent as the bytes it would have been (not valid UTF-8)."""
    return "&".join(
        urllib.parse.quote_from_bytes(k.encode("utf-8", "surrogatepass"))
        + "="
        + urllib.parse.quote_from_bytes(v.encode("utf-8", "surrogatepass"))
        for k, v in pairs.items()
    )


@dataclass
class Reach:
    """What one signed-in user reaches."""

    http: HttpClient
    gets: dict
    posts: dict
    dates: list


@pytest.fixture
def site(db, login):
    """The demo store, and for a manager, a practitioner, an auditor (the logs) and HR (staff
    files) a signed-in client with the GET targets and forms each reaches. An empty field that
    names a client or a practitioner gets a real one, so the rest of a form can be valid."""
    from anxin.accounts.models import User
    from anxin.clients.models import Client
    from anxin.core.management.commands.demo import load_demo

    load_demo(scale="small", seed=3)
    code = Client.objects.order_by("pk").first().code
    hints = {
        "client": code,
        "client_code": code,
        "practitioner": str(User.objects.get(username="practitioner").pk),
    }
    found = {}
    for username in ("manager", "practitioner", "auditor", "hr"):
        http = HttpClient(HTTP_ACCEPT_LANGUAGE="en")
        login(http, User.objects.get(username=username))
        gets, posts, dates = crawl(http)
        for _path, fields in [*posts.values(), *((d[1], d[2]) for d in dates)]:
            for name, value in hints.items():
                if name in fields and fields[name] in ("", "rotation"):
                    fields[name] = value
        found[username] = Reach(http, gets, posts, dates)
    _assert_coverage(found)
    return found


def _assert_coverage(site):
    """The property test is only as good as what the crawl finds."""
    manager = site["manager"]
    shapes = {_shape(p) for p in manager.gets} | {key[0] for key in manager.posts}
    for expected in (
        "/appointments/",
        "/appointments/free/",
        "/appointments/new/",
        "/clients/",
        "/clients/new/",
        "/services/new/",
        "/performance/",
        "/attendance/summary/",
        "/catalogue/items/new/",
        "/jobs/new/",
    ):
        assert expected in shapes, expected
    assert {"day"} <= manager.gets["/appointments/"]
    assert {"q"} <= manager.gets["/clients/"]
    assert {"month"} <= manager.gets["/performance/"]
    swept = {(d[0], _shape(d[1]), d[3]) for d in manager.dates}
    assert {
        ("post", "/appointments/new/", "start"),
        ("post", "/services/new/", "served_at"),
    } <= swept
    auditor = site["auditor"]
    assert {"date_from", "date_to"} <= auditor.gets["/audit/uses/"] & auditor.gets[
        "/audit/operations/"
    ]
    assert "/staff/new/" in {key[0] for key in site["hr"].posts}
    assert "/services/new/" in {key[0] for key in site["practitioner"].posts}


def _request(http, method, path, pairs):
    body = _encode(pairs)
    try:
        if method == "get":
            response = http.get(f"{path}?{body}")
        else:
            response = http.post(
                path, data=body.encode("ascii"), content_type="application/x-www-form-urlencoded"
            )
    except Exception as exc:  # the view raised: that is the 500 looked for
        pytest.fail(f"{method.upper()} {path} {pairs!r} raised {exc!r}")
    assert response.status_code < 500, f"{method.upper()} {path} {pairs!r}"


@pytest.mark.django_db
@pytest.mark.req("PLT-4")
def test_no_form_and_no_get_parameter_answers_500(site):
    # Every date input, at each end of the calendar, the rest of its form as the page gave it.
    swept = set()
    for reach in site.values():
        for method, path, fields, name, kind in reach.dates:
            if (method, _shape(path), name) in swept:
                continue
            swept.add((method, _shape(path), name))
            for value in DATE_VALUES[kind]:
                _request(reach.http, method, path, {**fields, name: value})

    # Every GET parameter, and every field of a form that holds a number or nothing (a choice,
    # an amount), one at a time, with a number no database column holds (the rest as the page
    # gave it): a driver's OverflowError is reached only past the field's own checks, which
    # random draws rarely hit.
    for reach in site.values():
        for path, names in sorted(reach.gets.items()):
            for name in sorted(names):
                _request(reach.http, "get", path, {name: HUGE_NUMBERS[0]})
        for (_shape_key, _names), (path, fields) in sorted(reach.posts.items()):
            for name, given_value in fields.items():
                if given_value.isdigit() or not given_value:
                    for value in HUGE_NUMBERS:
                        _request(reach.http, "post", path, {**fields, name: value})

    # Then arbitrary text and extreme values in every field and GET parameter.
    @settings(
        max_examples=int(os.environ.get("ANXIN_NO500_EXAMPLES", "2")),
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(data=st.data())
    def throw(data):
        for reach in site.values():
            for path, names in sorted(reach.gets.items()):
                drawn = {
                    name: data.draw(st.one_of(st.none(), VALUES), label=f"GET {path} {name}")
                    for name in sorted(names)
                }
                _request(reach.http, "get", path, {k: v for k, v in drawn.items() if v is not None})
            for (_shape_key, _names), (path, fields) in sorted(reach.posts.items()):
                pairs = {
                    name: data.draw(st.one_of(st.just(value), VALUES), label=f"POST {path} {name}")
                    for name, value in fields.items()
                }
                _request(reach.http, "post", path, pairs)

    throw()
