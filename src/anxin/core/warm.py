"""What a server process would otherwise work out on its first requests, done once at start.

A fresh gunicorn worker's first page cost 674 ms of CPU against 48 ms for the same page in a
running one (issue 11): importing every view, compiling the templates and loading each
language's catalogue and URL names. ``anxin serve`` runs gunicorn with ``--preload``, and the WSGI
module calls :func:`warm` in the master process, so every worker starts from a warm copy. The
first person after a restart then waits no longer than the next one.
"""

from __future__ import annotations

from pathlib import Path

import django.forms
from django.conf import settings
from django.db import connections
from django.forms.renderers import get_default_renderer
from django.template import TemplateDoesNotExist, TemplateSyntaxError, engines
from django.template.utils import get_app_template_dirs
from django.urls import get_resolver
from django.utils import translation

PACKAGE = Path(__file__).resolve().parent.parent


def template_names() -> list[str]:
    """Every template of the project (under ``src/anxin``), by the name it is loaded by."""
    engine = engines["django"].engine
    names = []
    for directory in [*engine.dirs, *get_app_template_dirs("templates")]:
        root = Path(directory)
        if PACKAGE not in root.parents and root != PACKAGE / "templates":
            continue
        names += [str(path.relative_to(root)) for path in sorted(root.rglob("*.html"))]
    return names


def warm() -> int:
    """Import every view, load every language and compile every template; returns how many
    templates were compiled. Touches no database: the connections are closed before the server
    forks its workers."""
    resolver = get_resolver()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Home")
            resolver.reverse_dict  # noqa: B018 (worked out per language)
    engine = engines["django"]
    compiled = 0
    for name in template_names():
        try:
            engine.get_template(name)
        except (TemplateDoesNotExist, TemplateSyntaxError):
            continue  # the request that uses it says so, as before
        compiled += 1
    # Forms draw their fields through the form renderer's own engine: Django's form and widget
    # templates, and the project's own widgets.
    renderer = get_default_renderer()
    forms_root = Path(django.forms.__file__).resolve().parent / "templates"
    widgets = [
        str(p.relative_to(forms_root)) for p in (forms_root / "django" / "forms").rglob("*.html")
    ]
    widgets += [name for name in template_names() if "widgets/" in name or "forms/" in name]
    for name in sorted(widgets):
        renderer.get_template(name)
        compiled += 1
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close()  # not shared with the forked workers
    return compiled
