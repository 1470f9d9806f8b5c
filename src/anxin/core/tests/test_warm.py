"""A server process starts warm (issue 11): a fresh gunicorn worker's first page cost 674 ms of
CPU against 48 ms in a running one. ``anxin serve`` preloads the WSGI module, which warms the
master process once; the workers are forked from it."""

import pytest
from django.forms.renderers import get_default_renderer
from django.template import base as template_base
from django.template import engines

from anxin.core import warm

pytestmark = pytest.mark.django_db


def forget_compiled_templates():
    for engine in (engines["django"].engine, get_default_renderer().engine.engine):
        for loader in engine.template_loaders:
            loader.reset()


@pytest.mark.req("PLT-2")
def test_after_warming_pages_compile_no_template(client, manager, login, monkeypatch):
    forget_compiled_templates()
    compiled = []
    real = template_base.Template.compile_nodelist

    def counting(self):
        compiled.append(self.origin.name if self.origin else None)
        return real(self)

    monkeypatch.setattr(template_base.Template, "compile_nodelist", counting)
    count = warm.warm()
    files = [name for name in compiled if name and name.endswith(".html")]
    assert count >= len(warm.template_names()) > 100
    assert len(files) >= len(warm.template_names())
    compiled.clear()
    login(client, manager)
    for url in ("/", "/clients/new/", "/appointments/new/", "/catalogue/items/"):
        response = client.get(url)
        assert response.status_code == 200, url
    assert [name for name in compiled if name and name.endswith(".html")] == []


def test_the_project_templates_are_all_found_by_their_names():
    names = warm.template_names()
    assert "base.html" in names and "core/home.html" in names
    assert not [name for name in names if name.startswith(("admin/", "django/"))]
