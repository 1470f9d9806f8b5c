"""What each app puts on a person's home page: links to its pages and dashboard panels.

Apps register in ``AppConfig.ready``; the home view shows only what the person may use in the
current store. ``visible`` receives the set of permissions this person holds there (policy grants
included, e.g. ``"clients.client.view:store"``) and the request.

    home.register_link("clients:list", _("Clients"), order=10,
                       visible=lambda perms, request: has_grant(perms, "clients.client.view"))
    home.register_panel("backups/panel.html", context=backup_health, order=90,
                        visible=lambda perms, request: "backups.view" in perms)

A panel's ``context(request)`` returns the template context (a dict), or ``None`` to hide it.
"""

from collections.abc import Callable
from dataclasses import dataclass

Visible = Callable[[set[str], object], bool]


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


_links: dict[str, Link] = {}
_panels: dict[str, Panel] = {}


def register_link(url_name: str, label, *, visible: Visible, order: int = 50) -> None:
    _links[url_name] = Link(url_name, label, visible, order)


def register_panel(template: str, *, context, visible: Visible, order: int = 50) -> None:
    _panels[template] = Panel(template, context, visible, order)


def has_grant(perms: set[str], record_action: str) -> bool:
    """True when some policy grant allows ``"<record type>.<action>"`` at any scope."""
    return any(p.startswith(record_action + ":") for p in perms)


def links_for(perms: set[str], request) -> list[Link]:
    return sorted(
        (link for link in _links.values() if link.visible(perms, request)),
        key=lambda link: link.order,
    )


def panels_for(perms: set[str], request) -> list[tuple[str, dict]]:
    shown = []
    for panel in sorted(_panels.values(), key=lambda p: p.order):
        if panel.visible(perms, request):
            ctx = panel.context(request)
            if ctx is not None:
                shown.append((panel.template, ctx))
    return shown
