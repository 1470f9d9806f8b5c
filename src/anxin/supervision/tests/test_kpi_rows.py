"""Issue 11: the month's KPIs per person are written in Python (``{% kpi_rows %}``): each row
names the person and shows their figures as the template did; a person more adds a row and no
query, and no staff file's encrypted field is read for a name."""

import datetime as dt

import pytest
from django.utils import timezone

from anxin.core.testing import assert_constant_queries, captured
from anxin.staff.models import StaffKind, StaffMember
from anxin.supervision.models import KpiRow

pytestmark = [pytest.mark.django_db, pytest.mark.req("AUD-6")]
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
MONTH = timezone.localdate().replace(day=1)
ENCRYPTED = ('"staff_staffmember"."id_number"', '"staff_staffmember"."bank_card"')
FIGURES = {
    "entries": 153, "late_entries": 6, "timeliness": 96.1, "quality_issues": 0, "alerts": 0,
    "incidents": 0, "complaints": 1, "training_missing": 1, "agreements_outstanding": 0,
}  # fmt: skip


def _row(store, user, figures):
    KpiRow.objects.create(store=store, month=MONTH, key=f"u{user.pk}", user=user,
                          figures=figures, computed_at=timezone.now())  # fmt: skip


@pytest.fixture
def month(store):
    KpiRow.objects.create(store=store, month=MONTH, key="store", figures=FIGURES,
                          computed_at=timezone.now())  # fmt: skip


def test_a_persons_row_names_them_and_shows_each_figure(
    client, login, manager, practitioner, store, month
):
    StaffMember.objects.create(
        store=store, user=practitioner, kind=StaffKind.PRACTITIONER, name="王<芳>",
        code="MS000001", hire_date=dt.date(2024, 1, 1), id_number="110101199001011234",
    )  # fmt: skip
    _row(store, practitioner, {**FIGURES, "timeliness": None, "entries": 1234})
    login(client, manager)
    page = client.get("/supervision/kpis/", **EN).content.decode()
    assert (
        '<tbody>\n  \n    <tr><th scope="row">王&lt;芳&gt;</th><td>1234</td><td>6</td>'
        "<td>—</td><td>0</td><td>0</td><td>0</td><td>1</td><td>1</td><td>0</td></tr>\n  \n"
        "  </tbody>"
    ) in page


def test_a_person_more_adds_a_row_and_no_query(client, login, manager, store, make_persona, month):
    login(client, manager)
    made = []

    def grow(n):
        for _ in range(n):
            user = make_persona(f"ms{len(made):03d}", store, "practitioner")
            StaffMember.objects.create(
                store=store, user=user, kind=StaffKind.PRACTITIONER, name=f"技师{len(made)}",
                code=f"MS{len(made):06d}", hire_date=dt.date(2024, 1, 1),
                id_number="110101199001011234", bank_card="6222020200112233445",
            )  # fmt: skip
            _row(store, user, FIGURES)
            made.append(user)

    def page():
        return client.get("/supervision/kpis/", **EN)

    assert_constant_queries(page, grow, rows=2)
    response, statements = captured(page)
    html = response.content.decode()
    assert html.count("<td>96.1</td>") == 6 + 1  # six people and the whole store
    assert all('<th scope="row">技师' + str(i) + "</th>" in html for i in range(6))
    assert not [s for s in statements if any(column in s for column in ENCRYPTED)]
