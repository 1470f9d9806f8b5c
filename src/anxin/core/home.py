"""What each app puts on a person's home page: links to its pages and dashboard panels.

Apps register in ``AppConfig.ready``; the home view shows only what the person may use in the
current store. ``visible`` receives the set of permissions this person holds there (policy grants
included, e.g. ``"clients.client.view:store"``) and the request.

    home.register_link("clients:list", _("Clients"), order=10,
                       visible=lambda perms, request: has_grant(perms, "clients.client.view"))
    home.register_panel("backups/panel.html", context=backup_health, order=90,
                        visible=lambda perms, request: "backups.view" in perms)

A panel's ``context(request)`` returns the template context (a dict), or ``None`` to hide it.

The home page is the most requested page (issue 11). A panel of figures that may be a minute old
registers ``cache_key(perms, request)``: the parts besides the store and the language that its
content depends on (e.g. who is asking, or which links they may follow). Its context and its
rendered HTML are then kept in Django's cache for ``PANEL_SECONDS`` per store, language and key,
and the context carries ``as_of`` (the local time it was computed) for the page to say so. The
navigation (the links a set of permissions may follow) is kept per set of permissions.
"""

import hashlib
import re
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache, partial

from django.core.cache import cache, caches
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.html import format_html_join
from django.utils.translation import get_language

Visible = Callable[[set[str], object], bool]
CacheKey = Callable[[set[str], object], tuple]
# How long a panel's figures may be old.
PANEL_SECONDS = 60


# The mark of a person's own last change: any POST they make sets it, so what is kept for them
# (their panels, their inbox count) is worked out afresh after their own actions, in every
# server process (Django's default cache is per process). It is kept in the "marks" cache, a
# file per person: setting it writes nothing to the database.
MARKS = "marks"


def _mark_key(user_pk) -> str:
    return f"changed:{user_pk}"


def changed(request) -> None:
    """The person made a change: what is kept for them is stale from now on."""
    stamp = time.time()
    caches[MARKS].set(_mark_key(request.user.pk), stamp)
    request._anxin_changed_at = stamp


def changed_at(request) -> float:
    """When the request's person last made a change (0: not in the last hour), read once per
    request."""
    stamp = getattr(request, "_anxin_changed_at", None)
    if stamp is None:
        stamp = caches[MARKS].get(_mark_key(request.user.pk), 0)
        request._anxin_changed_at = stamp
    return stamp


def personal_key(request) -> tuple:
    """Keeps something for this person and session until their next change. The session's key
    is part of it since a kept panel's forms carry this session's CSRF token."""
    return (request.user.pk, request.session.session_key or "", changed_at(request))


@dataclass(frozen=True)
class Link:
    url_name: str
    label: object
    visible: Visible
    order: int


@dataclass(frozen=True)
class Panel:
    template: str
    context: Callable[[object], dict | None]
    visible: Visible
    order: int
    cache_key: CacheKey | None = None


_links: dict[str, Link] = {}
_panels: dict[str, Panel] = {}


def register_link(url_name: str, label, *, visible: Visible, order: int = 50) -> None:
    _links[url_name] = Link(url_name, label, visible, order)


def register_panel(
    template: str, *, context, visible: Visible, order: int = 50, cache_key: CacheKey | None = None
) -> None:
    _panels[template] = Panel(template, context, visible, order, cache_key)


def has_grant(perms: set[str], record_action: str) -> bool:
    """True when some policy grant allows ``"<record type>.<action>"`` at any scope."""
    return any(p.startswith(record_action + ":") for p in perms)


def links_for(perms: set[str], request) -> list[Link]:
    return sorted(
        (link for link in _links.values() if link.visible(perms, request)),
        key=lambda link: link.order,
    )


def navigation(perms: set[str], request) -> list[tuple[str, str]]:
    """(url, label) of the links these permissions may follow, computed once per set of
    permissions and language (links depend on nothing else)."""
    return list(_navigation(frozenset(perms), get_language() or ""))


def navigation_html(perms: set[str], request) -> str:
    """The home page's list items of those links, written once per set of permissions and
    language (the template language took a fifth of a warm home's time for them)."""
    return _navigation_html(frozenset(perms), get_language() or "")


@lru_cache(maxsize=256)
def _navigation_html(perms: frozenset, language: str) -> str:
    return format_html_join("", '<li><a href="{}">{}</a></li>', _navigation(perms, language))


@lru_cache(maxsize=256)
def _navigation(perms: frozenset, language: str) -> tuple[tuple[str, str], ...]:
    return tuple((reverse(link.url_name), str(link.label)) for link in links_for(set(perms), None))


def panels_for(perms: set[str], request) -> list[tuple[str, dict]]:
    return [(template, ctx) for template, ctx, _html in rendered_panels(perms, request)]


def rendered_panels(perms: set[str], request) -> list[tuple[str, dict, str]]:
    """(template, context, HTML) of each panel shown to this person; panels with a
    ``cache_key`` come from the cache when they are less than ``PANEL_SECONDS`` old."""
    shown = []
    for panel in sorted(_panels.values(), key=lambda p: p.order):
        if not panel.visible(perms, request):
            continue
        key = _cache_key(panel, perms, request)
        if key is None:
            ctx, html = _work_out(panel, request, kept=False)
        else:
            ctx, html = _kept(panel, key, request)
        if ctx is not None:
            shown.append((panel.template, ctx, html))
    return shown


def _kept(panel: Panel, key: str, request) -> tuple[object, str]:
    """The kept panel, worked out again when it is older than ``PANEL_SECONDS``.

    When it is missing, one thread of this process works it out while the others asking for
    the same panel wait for it: at the start of a busy minute the server's threads all missed
    at once and each worked out the same panel (four times the work, under one interpreter
    lock, while the page waited)."""
    html = cache.get(key)
    if html is None:
        with _working_out(key):
            html = cache.get(key)
            if html is None:
                ctx, html = _work_out(panel, request, kept=True)
                cache.set_many({key: html, key + ":context": ctx}, PANEL_SECONDS)
                return ctx, html
    # The page needs the HTML only; the context (model instances, costly to unpickle on every
    # home) is read from the cache when someone asks for it (tests). An empty HTML is a panel
    # with nothing to show.
    return (SimpleLazyObject(partial(cache.get, key + ":context", {})) if html else None), html


def _work_out(panel: Panel, request, *, kept: bool) -> tuple[dict | None, str]:
    ctx = panel.context(request)
    if ctx is None:
        return None, ""
    if kept:
        ctx["as_of"] = timezone.localtime()
    return ctx, render_to_string(panel.template, {"panel": ctx}, request)


_locks: dict[str, threading.Lock] = {}
_locks_lock = threading.Lock()


@contextmanager
def _working_out(key: str):
    """Holds the process's lock for ``key`` (one per kept panel being worked out)."""
    with _locks_lock:
        lock = _locks.setdefault(key, threading.Lock())
    try:
        with lock:
            yield
    finally:
        with _locks_lock:
            if not lock.locked():
                _locks.pop(key, None)


def _cache_key(panel: Panel, perms: set[str], request) -> str | None:
    store = getattr(request, "store", None)
    if panel.cache_key is None or store is None:
        return None
    parts = repr((sorted(perms), panel.cache_key(perms, request)))
    digest = hashlib.sha256(parts.encode()).hexdigest()[:32]
    return f"home-panel:{panel.template}:{store.pk}:{get_language()}:{digest}"


# -- the page around the panels ----------------------------------------------------------------

_PANELS = "\x00anxin-panels\x00"
_CSRF_MARK = "\x00anxin-csrf\x00"
_TOKEN_WRITTEN = re.compile(r'(?<=name="csrfmiddlewaretoken" )value="[^"]+"')


def kept_page(request, template: str, context: dict, perms: set[str]) -> str | None:
    """The home page's HTML, its shell (header, navigation, roles, links, footer) written by the
    template once per person, language and everything else it shows, and kept
    ``PANEL_SECONDS``; each request puts in its panels and its CSRF token. The template language
    took a warm home longer than all the rest of its work; the page is the template's, byte for
    byte (``core/tests/test_home_cache.py``).

    ``None`` when the page must go through the template: flash messages to show, or someone
    listening for rendered templates (the test client, which reads the context from them).
    """
    from django.contrib.messages import get_messages
    from django.middleware.csrf import get_token
    from django.test.signals import template_rendered

    if get_messages(request) or template_rendered.has_listeners():
        return None
    panels = "".join(context["panel_html"])
    key = _page_key(request, perms, context)
    shell = cache.get(key)
    if shell is None:
        page = render_to_string(template, {**context, "panel_html": [_PANELS]}, request)
        # The token this rendering wrote, the same in each form of the page.
        written = _TOKEN_WRITTEN.search(page)
        shell = page.replace(written.group(0), f'value="{_CSRF_MARK}"') if written else page
        cache.set(key, shell, PANEL_SECONDS)
        if written:
            return page.replace(_PANELS, panels, 1)
    if _CSRF_MARK not in shell:  # no form on the page: no token to put in
        return shell.replace(_PANELS, panels, 1)
    return shell.replace(_PANELS, panels, 1).replace(_CSRF_MARK, get_token(request))


def _page_key(request, perms: set[str], context: dict) -> str:
    """What the shell shows besides the panels and the token: the language, the address, the
    person (their name, roles, stores, unread count), the store (its name, logo, kind) and what
    the person's permissions show (the links, "My week")."""
    from anxin.notifications.selectors import unread_count_kept

    user, store = request.user, getattr(request, "store", None)
    parts = (
        get_language(),
        request.get_full_path(),
        user.pk,
        str(user),
        unread_count_kept(request),
        sorted(perms),
        [(role.pk, role.key, role.name, role.is_default) for role in context["roles"]],
        [(s.pk, s.name) for s in context["stores"]],
        store
        and (
            store.pk,
            store.name,
            store.logo.name,
            store.logo_width,
            store.logo_height,
            str(store.practitioner_term),
        ),
    )
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    return f"home-page:{digest}"
