"""Issue 11: the staff list reads no encrypted field of a staff file (each is decrypted when
loaded: a store's hundred files decrypted five fields each) and takes the same queries however
many files the store holds."""

import pytest

from anxin.core.testing import assert_constant_queries, captured

from .factories import hr_persona, staff_file

pytestmark = pytest.mark.django_db


@pytest.mark.req("STF-1")
def test_the_staff_list_reads_no_secret_and_the_same_queries_however_many(client, login, store):
    hr = hr_persona(store)
    login(client, hr)
    made = []

    def grow(n):
        for _ in range(n):
            made.append(staff_file(actor=hr, store=store, kind="staff", name=f"员工{len(made)}"))

    assert_constant_queries(lambda: client.get("/staff/"), grow, rows=3)
    response, sql = captured(lambda: client.get("/staff/"))
    assert response.status_code == 200
    listing = [q for q in sql if 'FROM "staff_staffmember"' in q]
    assert listing and not [q for q in listing if '"id_number"' in q or '"bank_card"' in q]
    page = response.content.decode()
    assert all(f"员工{i}" in page for i in range(9)) and "6222020200112233445" not in page
