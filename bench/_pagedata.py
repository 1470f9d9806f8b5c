"""The page crawl's data: a demo data directory per scale, built once and cached in bench/.cache/.

``python bench/_pagedata.py build --scale store --dest DIR`` (run with the environment pointing
ANXIN_DATA_DIR at DIR/data) migrates, loads ``anxin demo --scale <scale>`` and appends a realistic
use log (``--use-log N`` entries over the demo's history, with a valid chain) — what a store
has after a few years. ``python bench/_pagedata.py accounts`` gives each demo account a fresh
password and TOTP key (printed as JSON, never stored) so the crawl can log in as every role.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import secrets
import sys
import time

BATCH = 5000
# Who reads client records, and how: weights of a real store's use log.
ACTIONS = [("view", 70), ("search", 12), ("list", 8), ("print", 3), ("export", 1), ("denied", 1)]
READERS = ["frontdesk", "practitioner", "manager", "marketing", "finance", "auditor"]


def build(scale: str, use_log: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    call_command("demo", scale=scale, stdout=io.StringIO())
    print(f"demo --scale {scale}: {time.perf_counter() - started:.0f} s", flush=True)
    started = time.perf_counter()
    fill_use_log(use_log)
    print(f"use log: {use_log} entries in {time.perf_counter() - started:.0f} s", flush=True)
    # What the hourly task does in a running shop (the demo command analysed before the log).
    from anxin.core.db import update_statistics

    update_statistics()


def fill_use_log(count: int, seed: int = 7) -> None:
    """``count`` use-log entries spread over the demo's history, chained with valid MACs."""
    from datetime import timedelta

    from django.db import transaction
    from django.db.models import QuerySet
    from django.utils import timezone

    from anxin.accounts.models import Store, User
    from anxin.audit import chain
    from anxin.audit.models import ChainHead, UseLog
    from anxin.clients.models import Client

    rnd = random.Random(seed)
    users = list(User.objects.filter(username__in=READERS).values_list("pk", flat=True))
    store = Store.objects.order_by("pk").first()
    clients = list(Client.objects.values_list("pk", "code"))
    first = UseLog.objects.order_by("seq").values_list("at", flat=True).first()
    now = timezone.now()
    start = min(first or now, now - timedelta(days=3 * 365))
    span = (now - start).total_seconds()
    # Times ascend with the sequence, as a real log's do.
    offsets = sorted(rnd.random() * span for _ in range(count))
    actions, weights = zip(*ACTIONS, strict=True)
    key = chain._key()
    for begin in range(0, count, BATCH):
        with transaction.atomic():
            head = chain._lock_heads("default")[chain.USE]
            seq, mac = head.seq, head.mac
            entries = []
            for i in range(begin, min(count, begin + BATCH)):
                seq += 1
                action = rnd.choices(actions, weights)[0]
                pk, code = rnd.choice(clients)
                listing = action in ("search", "list", "export")
                entry = UseLog(
                    seq=seq,
                    at=start + timedelta(seconds=offsets[i]),
                    user_id=rnd.choice(users),
                    # A few chain-wide reads (exports by head office) carry no store.
                    store_id=None if rnd.random() < 0.02 else store.pk,
                    record_type="clients.client",
                    record_id="" if listing else str(pk),
                    record_code="" if listing else code,
                    action="view" if action == "denied" else action,
                    purpose=rnd.choice(["service", "booking", "follow-up", ""]),
                    outcome="denied" if action == "denied" else "allowed",
                    count=rnd.randint(2, 50) if listing else 1,
                    ip=f"192.168.1.{rnd.randint(2, 60)}",
                    request_id=secrets.token_hex(16),
                )
                values = {name: getattr(entry, name) for name in chain.FIELDS[chain.USE]}
                entry.mac = mac = chain.compute_mac(chain.USE, mac, values, key)
                entries.append(entry)
            # Straight into the table (the append-only manager refuses bulk writes on purpose).
            QuerySet.bulk_create(UseLog.objects.all(), entries)
            ChainHead.objects.filter(log=chain.USE).update(seq=seq, mac=mac)


def accounts() -> None:
    """A fresh password and a confirmed TOTP device for every demo account; JSON on stdout."""
    import django

    django.setup()
    from django.db import transaction
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from anxin.accounts.models import User
    from anxin.core.management.commands.demo import DEMO_ACCOUNTS

    out = {}
    with transaction.atomic():
        for username in DEMO_ACCOUNTS:
            user = User.objects.get(username=username)
            password = secrets.token_urlsafe(16)
            user.set_password(password)
            user.save(update_fields=["password"])
            TOTPDevice.objects.filter(user=user).delete()
            key = secrets.token_hex(20)
            TOTPDevice.objects.create(user=user, name="bench", key=key, confirmed=True)
            out[username] = {"password": password, "totp_key": key}
    json.dump(out, sys.stdout)


def targets() -> None:
    """The busy records and busy dates the crawl visits besides what it finds by links (JSON)."""
    import django

    django.setup()
    from django.db.models import Count
    from django.db.models.functions import TruncMonth
    from django.utils import timezone

    from anxin.catalogue.models import Promotion
    from anxin.clients.models import Client, ServiceRecord
    from anxin.scheduling.models import Appointment

    out: dict[str, str] = {}
    busiest = ServiceRecord.objects.values("client").annotate(n=Count("id")).order_by("-n").first()
    if busiest:
        client = Client.objects.get(pk=busiest["client"])
        out["client, most services"] = f"/clients/{client.code}/"
        record = ServiceRecord.objects.filter(client=client).order_by("-served_at").first()
        out["service record of that client"] = f"/services/{record.pk}/"
    day = (
        Appointment.objects.filter(start__lte=timezone.now())
        .order_by("-start")
        .values_list("start", flat=True)
        .first()
    )
    if day:
        local = timezone.localtime(day).date()
        out["day view, a busy day"] = f"/appointments/?day={local.isoformat()}"
        appointment = Appointment.objects.order_by("-start").first()
        # The calendar of that day (by practitioner, by room) and its week (issue 11).
        calendar = f"/appointments/calendar/?day={local.isoformat()}"
        out["calendar, a busy day"] = f"{calendar}&view=day&by=practitioner"
        out["calendar by room, a busy day"] = f"{calendar}&view=day&by=room"
        out["calendar, a busy week"] = f"{calendar}&view=week"
        out["free slots, a busy day"] = (
            f"/appointments/free/?day={local.isoformat()}&item={appointment.item_id}&minutes=60"
        )
    promo = (
        ServiceRecord.objects.exclude(promotion=None)
        .values("promotion")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    if promo:
        code = Promotion.objects.get(pk=promo["promotion"]).code
        out["promotion effect, busiest promotion"] = f"/catalogue/promotions/{code}/effect/"
    month = (
        ServiceRecord.objects.annotate(m=TruncMonth("served_at"))
        .values("m")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("m", flat=True)
        .first()
    )
    if month:
        ym = f"{month.year:04d}-{month.month:02d}"
        out["attendance summary, a busy month"] = f"/attendance/summary/?month={ym}"
        out["performance, a busy month"] = f"/performance/?month={ym}"
        out["KPIs, a busy month"] = f"/supervision/kpis/?month={ym}"
    out.update(newer_targets())
    json.dump(out, sys.stdout)


def newer_targets() -> dict[str, str]:
    """The busiest record of each newer kind of page (bills, products, cards and their
    liability, complaints, audits): a crawl of a few links per list may reach only quiet ones."""
    import datetime as dt

    from django.db.models import Count
    from django.db.models.functions import ExtractYear
    from django.utils import timezone

    from anxin.cards.models import Card, CardMovement
    from anxin.complaints.models import Complaint
    from anxin.supervision.models import AuditPlan
    from anxin.till.models import Bill, Product

    out: dict[str, str] = {}

    def busiest(model, related: str):
        return model.objects.annotate(n=Count(related)).order_by("-n", "-pk").first()

    if bill := Bill.objects.order_by("-pk").first():
        out["a recent bill"] = f"/till/bills/{bill.pk}/"
    if product := busiest(Product, "movements"):
        out["product, most stock movements"] = f"/till/products/{product.pk}/"
    if card := busiest(Card, "movements"):
        out["card, most movements"] = f"/cards/{card.number}/"
    year = (
        CardMovement.objects.annotate(y=ExtractYear("at"))
        .values("y")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("y", flat=True)
        .first()
    )
    if year:
        out["card liability, busiest year"] = f"/cards/liability/?year={year}"
    if complaint := busiest(Complaint, "steps"):
        out["complaint, most steps"] = f"/complaints/{complaint.pk}/"
    # Commissions: the month, the busiest practitioner's month (the last full month), the rules.
    from anxin.commissions.models import Commission

    out["commissions of the month"] = "/commissions/"
    out["commission rules"] = "/commissions/rules/"
    last_month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    top = (
        Commission.objects.filter(month=last_month)
        .values("practitioner")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    if top:
        out["commissions, busiest practitioner's month"] = (
            f"/commissions/people/{top['practitioner']}/?month={last_month:%Y-%m}"
        )
    from anxin.accounts.models import User

    mine = User.objects.filter(username="practitioner").values_list("pk", flat=True).first()
    if mine:  # the demo practitioner's own page (their /commissions/ redirects to it): after
        # the busiest, which a practitioner who is not the busiest may not open
        out["commissions, the demo practitioner's month"] = (
            f"/commissions/people/{mine}/?month={last_month:%Y-%m}"
        )
    if plan := busiest(AuditPlan, "findings"):
        out["audit, most findings"] = f"/supervision/audits/{plan.pk}/"
        out["audit report, most findings"] = f"/supervision/audits/{plan.pk}/report/"
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["build", "accounts", "targets"])
    parser.add_argument("--scale", default="store")
    parser.add_argument("--use-log", type=int, default=200_000)
    args = parser.parse_args(argv)
    if "ANXIN_DATA_DIR" not in os.environ:
        parser.error("ANXIN_DATA_DIR must name the data directory")
    if args.what == "build":
        build(args.scale, args.use_log)
    elif args.what == "accounts":
        accounts()
    else:
        targets()
    return 0


if __name__ == "__main__":
    sys.exit(main())
