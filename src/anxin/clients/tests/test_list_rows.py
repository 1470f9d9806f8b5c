"""The client list's rows written in Python (issue 11): the markup the template's loop gave,
for those who may book (a link per row) and those who may not, in both languages."""

import pytest
from django.template import Context, Template
from django.utils import translation

from anxin.clients import services
from anxin.clients.models import Client, ClientStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def marketing(store, make_persona):
    return make_persona("marketing", store, "marketing")


# The loop ``clients/list.html`` had before ``{% client_rows %}`` (``detail_url`` and
# ``status_label`` were set by the view).
LOOP = Template(
    '{% load i18n %}{% translate "Book" as book %}'
    "{% for client in clients %}\n"
    '    <tr><td><a href="{{ client.detail_url }}">{{ client.code }}</a></td>'
    '<th scope="row">{{ client.name }}</th><td>{{ client.status_label }}</td>'
    '{% if book_url %}<td><a href="{{ book_url }}{{ client.code }}">{{ book }}'
    '<span class="visually-hidden"> {{ client.name }}</span></a></td>{% endif %}</tr>\n  '
    "{% endfor %}"
)


def expected_rows(store, book_url, language) -> str:
    labels = dict(ClientStatus.choices)
    clients = list(Client.objects.filter(store=store).order_by("-code"))
    with translation.override(language):
        for c in clients:
            c.detail_url = f"/clients/{c.code}/"
            c.status_label = str(labels[c.status])
        return LOOP.render(Context({"clients": clients, "book_url": book_url}))


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("who", ["front_desk", "marketing"])
def test_the_client_rows_are_what_the_template_gave(client, login, request, store, who, language):
    front_desk = request.getfixturevalue("front_desk")
    services.client_create(actor=front_desk, store=store, name="<王> & 芳")
    services.client_create(actor=front_desk, store=store, name="李娜")
    person = request.getfixturevalue(who)
    login(client, person)
    response = client.get("/clients/", HTTP_ACCEPT_LANGUAGE=language)
    book_url = response.context["book_url"]
    assert bool(book_url) == (who == "front_desk")
    html = response.content.decode()
    assert f"<tbody>\n  \n  {expected_rows(store, book_url, language)}\n  </tbody>" in html
    assert "&lt;王&gt; &amp; 芳" in html


def test_no_clients_shows_the_empty_row(client, login, front_desk):
    login(client, front_desk)
    html = client.get("/clients/").content.decode()
    assert '<tbody>\n  \n  \n    <tr><td colspan="3">' in html
