"""Client rights and retention (PRV-6, STO-6): the portability copy of one client, and a
retention run anonymising thousands of clients.

Set-up (settings ``local``, a throw-away data directory): one store, an information officer
and a second one, a front desk; one client with three years of history (a visit a week:
service records with notes, feedback, appointments), and N old clients with no visit for four
years (5,000; ``--quick`` 500), each with a phone, an ID number, an address and a service.

1. The copy: ``request_copy`` as JSON for the client with history, timed and its queries
   counted (target: under 1 s, and the query count independent of the history's length).
2. Retention: a "no visit for 36 months" rule, proposed by one officer, approved (and so
   applied) by the other; clients anonymised per second and peak memory (tracemalloc). The
   audit chains must verify afterwards (``chain.verify``), or the benchmark fails.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
import tracemalloc
from decimal import Decimal

from _common import describe_database, parse_args, table, throwaway_environment

TARGET_COPY_S = 1.0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(__doc__.splitlines()[0], argv)
    n_old = 500 if args.quick else 5000
    with throwaway_environment("privacy") as env:
        os.environ.update(env)
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)
        print(f"privacy benchmark: {describe_database(env)}")
        return run(n_old)


def _setup(n_old: int):
    from django.utils import timezone

    from anxin.accounts.services import (
        role_assign,
        roles_ensure_defaults,
        store_create,
        user_create,
    )
    from anxin.clients.models import Client, ServiceRecord
    from anxin.clients.services import ConsentGiven, client_create
    from anxin.delivery.models import Feedback
    from anxin.scheduling.models import Appointment

    roles_ensure_defaults()
    store = store_create(name="朝阳店", short_code="BJ01")
    people = {}
    for name, role in [
        ("desk", "front_desk"),
        ("io1", "information_officer"),
        ("io2", "information_officer"),
    ]:
        people[name] = user_create(username=name, password="x" * 20, full_name=name)
        role_assign(user=people[name], store=store, role_key=role)
    desk = people["desk"]
    now = timezone.now()
    client = client_create(
        actor=desk,
        store=store,
        name="李四",
        phone="13812345678",
        id_number="110101199003071234",
        address="北京市朝阳区幸福路1号",
        allergies="花粉过敏",
        consent=ConsentGiven(health=True),
    )
    services, appointments = [], []
    for week in range(156):
        at = now - dt.timedelta(weeks=week, hours=3)
        services.append(
            ServiceRecord(
                store=store,
                client=client,
                practitioner=desk,
                served_at=at,
                item_name="全身推拿",
                amount=Decimal("198.00"),
                notes=f"第{week}次：肩颈紧",
            )
        )
        appointments.append(
            Appointment(
                store=store,
                client=client,
                practitioner=desk,
                code=f"YY{week:08d}",
                item_name="全身推拿",
                start=at,
                end=at + dt.timedelta(hours=1),
                busy_until=at + dt.timedelta(hours=1),
                status="done",
            )
        )
    ServiceRecord.objects.bulk_create(services)
    Appointment.objects.bulk_create(appointments)
    Feedback.objects.bulk_create(
        [
            Feedback(service=s, score=5, comments="满意")
            for s in ServiceRecord.objects.filter(client=client)
        ]
    )
    old = [
        Client(
            store=store,
            code=f"KH21{i:06d}",
            name=f"老客{i}",
            phone=f"139{i:08d}",
            id_number=f"11010119800101{i % 10000:04d}",
            address=f"旧地址{i}号",
        )
        for i in range(n_old)
    ]
    Client.objects.bulk_create(old, batch_size=500)
    old_ids = list(Client.objects.filter(name__startswith="老客").values_list("pk", flat=True))
    Client.objects.filter(pk__in=old_ids).update(created_at=now - dt.timedelta(days=4 * 365))
    ServiceRecord.objects.bulk_create(
        [
            ServiceRecord(
                store=store,
                client_id=pk,
                practitioner=desk,
                served_at=now - dt.timedelta(days=4 * 365),
                item_name="足疗",
                amount=Decimal("88.00"),
                notes="旧记录",
            )
            for pk in old_ids
        ],
        batch_size=500,
    )
    return store, people, client


def run(n_old: int) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from anxin.audit import chain
    from anxin.privacy import retention, rights_services

    store, people, client = _setup(n_old)
    req = rights_services.request_open(
        actor=people["desk"], store=store, client_code=client.code, kind="copy", identity="id_card"
    )
    timings = []
    for _ in range(5):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            body, _name, _type = rights_services.request_copy(
                actor=people["io1"], store=store, req=req, fmt="json"
            )
            timings.append(time.perf_counter() - started)
    copy_s = sorted(timings)[len(timings) // 2]
    n_queries = len(queries)

    rule = retention.rule_create(actor=people["io1"], store=store, kind="no_visit", months=36)
    run_ = retention.run_propose(actor=people["io1"], store=store, rule=rule)
    tracemalloc.start()
    started = time.perf_counter()
    run_ = retention.run_approve(actor=people["io2"], store=store, run=run_)
    elapsed = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    verified = chain.verify()
    rate = run_.anonymised / elapsed if elapsed else 0.0
    print(
        table(
            ["measure", "value"],
            [
                ["copy of one client, 3 years (median of 5)", f"{copy_s * 1000:.0f} ms"],
                ["copy: queries", str(n_queries)],
                ["copy: size", f"{len(body) / 1024:.0f} KiB"],
                ["retention: clients anonymised", str(run_.anonymised)],
                ["retention: time", f"{elapsed:.1f} s"],
                ["retention: clients/s", f"{rate:.0f}"],
                ["retention: peak memory (tracemalloc)", f"{peak / 1e6:.0f} MB"],
                ["audit chains verify", "yes" if verified.ok else "NO"],
            ],
        )
    )
    ok = copy_s < TARGET_COPY_S and verified.ok and run_.anonymised == n_old
    print(
        f"RESULT privacy: copy {copy_s * 1000:.0f} ms, {n_queries} queries (target < "
        f"{TARGET_COPY_S * 1000:.0f} ms); retention {run_.anonymised} clients at {rate:.0f}/s, "
        f"peak {peak / 1e6:.0f} MB; audit verify {'ok' if verified.ok else 'FAILED'}"
        f" -> {'PASS' if ok else 'FAIL'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
