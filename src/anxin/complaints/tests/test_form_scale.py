"""Issue 11: the complaint form's people selects read each person's staff file in the same
query (without its encrypted fields): the form takes the same queries however many people
work in the store (it took one query per person per select: 224 at store scale)."""

import pytest

from anxin.core.testing import assert_constant_queries

pytestmark = pytest.mark.django_db


@pytest.mark.req("UX-1")
def test_the_complaint_form_takes_the_same_queries_however_many_people(
    client, login, front_desk, store, make_persona
):
    login(client, front_desk)
    made = []

    def grow(n):
        for _ in range(n):
            made.append(make_persona(f"worker{len(made):03d}", store, "practitioner"))

    assert client.get("/complaints/new/").status_code == 200
    assert_constant_queries(lambda: client.get("/complaints/new/"), grow, rows=3)
    assert "worker008" in client.get("/complaints/new/").content.decode()
