"""Checkout through the production server: POST /till/ paying a 3-line bill as the front desk.

Starts ``anxin serve --no-worker`` (gunicorn, as ``make run``) with small demo data and
ANXIN_BENCH=1, adds two products with ample stock, logs in as the demo front desk through the
login form, reads the checkout form once (CSRF token), then POSTs bills of three lines — a
walk-in service (item, practitioner, rotation) and two products — for a client holding a
stored-value card, paid by the card (10.00 yuan), e-payment and cash, on keep-alive connections
for a fixed time. Each bill is written with its lines, payments, the card's ledger row, stock
movements and operation-log entries. Baseline: POST /bench/minimal with the same cookies,
body and CSRF check, in the same run, in halves (A B B A). Prints bills/s, p50 and p95, and
the ratio (target >= 0.30). Every created bill must be distinct (the redirect names it).

``--scale store``: the same on a working copy of the cached store-scale data (bench/.cache, as
``bench_pages.py`` builds it; the front desk logs in with a fresh password and second factor).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import re
import signal
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

from _common import describe_database, parse_args, throwaway_environment
from bench_booking import print_stats, run_setup
from bench_home import HOST, combine, demo_password, free_port, login, server, wait_ready
from bench_service_records import post_load

CHECKOUT, MINIMAL = "/till/", "/bench/minimal"
TARGET = 0.30

SETUP = """
from decimal import Decimal
from anxin.accounts.models import Store, User
from anxin.catalogue.models import ServiceItem
from anxin.till import services
from anxin.till.models import MovementKind, Product, StockMovement
from anxin.delivery.services import practitioners_of
store = Store.objects.order_by("pk").first()
manager = User.objects.get(username="manager")
products = []
for code, name, price in (("BENCH1", "bench oil", "58.00"), ("BENCH2", "bench salt", "30.00")):
    p = services.product_create(actor=manager, store=store, code=code, name=name, unit="pc",
                                price=Decimal(price), cost=Decimal("10.00"))
    StockMovement.objects.create(store=store, product=p, kind=MovementKind.RECEIPT,
                                 quantity=10_000_000, by=manager)
    products.append(p)
item = ServiceItem.objects.filter(store=store, active=True).order_by("pk").first()
who = practitioners_of(store).order_by("pk").first()
quote = services.bill_quote(store=store, client=None,
    services=[services.ServiceLine(item=item, practitioner=who, clock_type="rotation")],
    products=[services.ProductLine(product=products[0], quantity=1),
              services.ProductLine(product=products[1], quantity=2)])
from anxin.cards.services import card_issue, card_type_save
from anxin.catalogue.testing import make_client
frontdesk = User.objects.get(username="frontdesk")
client = make_client(actor=frontdesk, store=store, name="压测会员", phone="13999990000")
kind = card_type_save(actor=manager, store=store, name="bench stored value",
                      kind="stored_value", valid_days=365)
card = card_issue(actor=frontdesk, store=store, client=client, card_type=kind, paid="100000")
print("BENCH", item.pk, who.pk, products[0].pk, products[1].pk, quote.total, client.code, card.pk)
"""


def main(argv: list[str] | None = None) -> int:
    args = parse_args(
        __doc__.splitlines()[0],
        argv,
        duration=dict(type=float, default=None, help="seconds per case (default 10, quick 3)"),
        connections=dict(type=int, default=4, help="concurrent keep-alive connections"),
        scale=dict(
            choices=("small", "store"),
            default="small",
            help="small: a fresh small demo (default); store: a copy of the cached store-scale "
            "data in bench/.cache, as bench_pages.py builds it",
        ),
    )
    duration = args.duration or (3.0 if args.quick else 10.0)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with data_directory(args.scale) as (env, log_path, log_in_front_desk):
        port = free_port()
        print(f"checkout benchmark ({args.scale} scale): {describe_database(env)}")
        started = time.perf_counter()
        with server(env, port, log_path) as proc:
            wait_ready(proc, port, log_path, timeout=600)
            print(f"server ready after {time.perf_counter() - started:.1f} s (migrate, demo data)")
            out = run_setup(env, SETUP)
            line = next(x for x in out.splitlines() if x.startswith("BENCH"))
            item, who, p1, p2, total, client, card = line.split()[1:]
            cookie = log_in_front_desk(port)
            token = read_token(port, cookie)
            print(
                f"logged in as the demo front desk; a bill of 3 lines, {total} yuan (10.00 by card); "
                f"{args.connections} connections, {duration:g} s per case"
            )
            return measure(
                port,
                cookie,
                token,
                (item, who, p1, p2, total, client, card),
                args.connections,
                duration,
            )


@contextlib.contextmanager
def data_directory(scale: str):
    """``(environment, serve's log, log-in of the front desk -> Cookie header)``: a fresh small
    demo, or a working copy of the cached store-scale data (never written into; the cache is
    built by ``bench_pages.py --scale store``, minutes to an hour, not here)."""
    if scale == "small":
        with throwaway_environment("checkout") as env:
            env.update({"ANXIN_BENCH": "1", "ANXIN_DEMO": "1", "ANXIN_DEMO_SCALE": "small"})
            log_path = Path(env["ANXIN_DATA_DIR"]).parent / "serve.log"
            yield (
                env,
                log_path,
                lambda port: login(port, "frontdesk", demo_password(log_path, "frontdesk")),
            )
        return
    import bench_pages

    cache = bench_pages.CACHE / f"{scale}-{bench_pages.database_kind()}"
    if not (cache / "data").exists():
        raise SystemExit(
            f"error: no cached {scale}-scale data in {cache}: build it with "
            f"`bench/bench_pages.py --scale {scale}` first"
        )
    print(f"copying the cached {scale}-scale data from {cache}", flush=True)
    with bench_pages.working_copy(cache) as (env, tmp):
        env.update({"ANXIN_BENCH": "1", "ANXIN_DEMO": "0"})
        account = json.loads(bench_pages.helper(env, "accounts"))["frontdesk"]
        yield (
            env,
            tmp / "serve.log",
            lambda port: bench_pages.log_in(port, "frontdesk", account).cookie,
        )


def read_token(port: int, cookie: str) -> str:
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    conn.request("GET", CHECKOUT, headers={"Cookie": cookie})
    response = conn.getresponse()
    html = response.read().decode()
    conn.close()
    if response.status != 200:
        raise SystemExit(f"error: {CHECKOUT} answered {response.status}")
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def measure(port, cookie, token, bill, connections, duration) -> int:
    from decimal import Decimal

    item, who, p1, p2, total, client, card = bill
    by_card = Decimal("10.00")

    headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
    cash = Decimal("20.00")
    lock, counter = threading.Lock(), [0]

    def bodies(i, n):
        with lock:
            counter[0] += 1
            index = counter[0]
        fields = {
            "csrfmiddlewaretoken": token,
            "client": client,
            "card": card,
            "card_amount": str(by_card),
            "item_1": item,
            "practitioner_1": who,
            "clock_1": "rotation",
            "clock_2": "rotation",
            "product_1": p1,
            "quantity_1": "1",
            "product_2": p2,
            "quantity_2": "2",
            "quantity_3": "1",
            "cash": str(cash),
            "action": "pay",
        }
        fields.update(
            epay_method="wechat",
            epay_reference=f"42000{index:010d}",
            epay_amount=str(Decimal(total) - cash - by_card),
        )
        return urlencode(fields)

    cases = {
        "pay": ("POST /till/ (a paid 3-line bill)", CHECKOUT, 302),
        "minimal": ("POST /bench/minimal (same body)", MINIMAL, 200),
    }
    for _label, path, expect in cases.values():  # warm-up
        post_load(port, path, bodies, headers, connections, 1.0, expect)
    runs = {key: [] for key in cases}
    for key in ["pay", "minimal", "minimal", "pay"]:
        _label, path, expect = cases[key]
        runs[key].append(post_load(port, path, bodies, headers, connections, duration / 2, expect))
    stats = {key: combine(parts) for key, parts in runs.items()}
    created = [loc for part in runs["pay"] for loc in part["locations"]]
    print_stats({k: cases[k][0] for k in cases}, stats, "unexpected")
    pay, minimal = stats["pay"], stats["minimal"]
    ratio = pay["rate"] / minimal["rate"] if minimal["rate"] else 0.0
    print(
        f"RESULT checkout: {pay['rate']:.1f} bills/s (p50 {pay['p50'] * 1000:.1f} ms, "
        f"p95 {pay['p95'] * 1000:.1f} ms); minimal POST {minimal['rate']:.0f}/s (p95 "
        f"{minimal['p95'] * 1000:.1f} ms); ratio {ratio:.2f} (target >= {TARGET:.2f}, "
        f"{'met' if ratio >= TARGET else 'NOT met'})"
    )
    if len(set(created)) != len(created) or not all(
        re.fullmatch(r"/till/bills/\d+/", loc) for loc in created
    ):
        print("error: the created bills are not all distinct bills")
        return 1
    if any(s["bad"] or not s["ok"] for s in stats.values()):
        print("error: unexpected answers")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
