"""Clients at store scale (20,000 demo clients), SQLite, through the production server.

1. Search and the client file through ``anxin serve --no-worker`` (gunicorn, as ``make run``),
   logged in as the demo front desk: GET /clients/?q=<name>, ?q=<pinyin initials>,
   ?q=<phone>, and GET /clients/<code>/, each against GET /bench/minimal asked the same way
   (same session cookie), 16 keep-alive connections, in halves (A B … … B A) so drift hits
   all alike. Target: each >= 30% of the minimal view's requests/s.
2. Import of 20,000 clients from .xlsx (read, every row through the registration form's checks,
   duplicate checks by blind index, codes, consents, search keys, all-or-nothing save) against
   a raw ``bulk_create`` of the same rows (still encrypted and blind-indexed, no checks), each
   in its own process, which reports its peak memory (ru_maxrss). Target: import >= 20% of the
   raw rate.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

from _common import ROOT, VENV_BIN, describe_database, parse_args, table, throwaway_environment
from bench_home import combine, demo_password, free_port, load, login, server, wait_ready

SEARCH_TARGET = 0.30
IMPORT_TARGET = 0.20
MINIMAL = "/bench/minimal"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(
        __doc__.splitlines()[0],
        argv,
        duration=dict(type=float, default=None, help="seconds per case (default 8, quick 2)"),
        connections=dict(type=int, default=16, help="concurrent keep-alive connections"),
        rows=dict(type=int, default=None, help="rows to import (default 20000, quick 2000)"),
        child=dict(default=None, help=argparse_suppress()),
        pages_only=dict(action="store_true", help="measure the pages only, not the import"),
    )
    if args.child:
        return child(args.child)
    duration = args.duration or (2.0 if args.quick else 8.0)
    warmup = 0.5 if args.quick else 1.0
    rows = args.rows or (2000 if args.quick else 20_000)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    with throwaway_environment("clients") as env:
        env.update({"ANXIN_BENCH": "1", "ANXIN_DEMO": "1", "ANXIN_DEMO_SCALE": "store"})
        log_path = Path(env["ANXIN_DATA_DIR"]).parent / "serve.log"
        port = free_port()
        print(f"clients benchmark: {describe_database(env)}")
        started = time.perf_counter()
        with server(env, port, log_path) as proc:
            wait_ready(proc, port, log_path, timeout=600)
            print(
                f"server ready after {time.perf_counter() - started:.1f} s "
                "(migrate, demo data at store scale: 20,000 clients)"
            )
            sample = run_child(env, "sample")
            cookie = login(port, "frontdesk", demo_password(log_path, "frontdesk"))
            print(
                f"logged in as 'frontdesk'; {args.connections} connections, {duration:g} s per "
                f"case in two halves; queries: name {sample['name']!r}, initials "
                f"{sample['initials']!r}, phone (a demo client's), file {sample['code']}"
            )
            search_ok = measure_pages(port, cookie, sample, args.connections, duration, warmup)
        import_ok = True if args.pages_only else measure_import(env, rows)
    return 0 if search_ok and import_ok else 1


def argparse_suppress():
    import argparse

    return argparse.SUPPRESS


def measure_pages(port, cookie, sample, connections, duration, warmup) -> bool:
    headers = {"Cookie": cookie}
    cases = {
        "minimal": ("GET /bench/minimal (baseline)", MINIMAL),
        "name": ("search by name", f"/clients/?q={quote(sample['name'])}"),
        "initials": ("search by pinyin initials", f"/clients/?q={sample['initials']}"),
        "phone": ("search by phone (blind index)", f"/clients/?q={sample['phone']}"),
        "file": ("client file page", f"/clients/{sample['code']}/"),
    }
    for _label, path in cases.values():
        load(port, path, headers, connections, warmup)
    runs = {key: [] for key in cases}
    order = list(cases)
    for key in order + order[::-1]:
        runs[key].append(load(port, cases[key][1], headers, connections, duration / 2))
    stats = {key: combine(parts) for key, parts in runs.items()}
    base = stats["minimal"]["rate"] or 1.0
    rows = []
    ok = True
    for key, s in stats.items():
        ratio = s["rate"] / base
        rows.append(
            [
                cases[key][0],
                str(s["ok"]),
                f"{s['rate']:.0f}",
                f"{s['p50'] * 1000:.1f}",
                f"{s['p95'] * 1000:.1f}",
                f"{ratio:.2f}",
                str(s["bad"]),
                str(s["errors"]),
            ]
        )
        if s["bad"] or s["errors"] or not s["ok"]:
            ok = False
    print()
    print(table(["", "requests", "req/s", "p50 ms", "p95 ms", "ratio", "non-200", "errors"], rows))
    print()
    for key in ("name", "initials", "phone", "file"):
        s = stats[key]
        ratio = s["rate"] / base
        verdict = "met" if ratio >= SEARCH_TARGET else "NOT met"
        print(
            f"RESULT clients {key}: {s['rate']:.0f}/s, p95 {s['p95'] * 1000:.1f} ms; baseline "
            f"{base:.0f}/s (p95 {stats['minimal']['p95'] * 1000:.1f} ms); ratio {ratio:.2f} "
            f"(target >= {SEARCH_TARGET}, {verdict})"
        )
    return ok


def measure_import(env, rows: int) -> bool:
    print()
    print(f"import: {rows} rows; each side in its own process (peak memory = its ru_maxrss)")
    made = run_child(env, f"make:{rows}")
    print(f"spreadsheet: {made['bytes'] / 1e6:.1f} MB, written in {made['seconds']:.1f} s")
    raw = run_child(env, "raw")
    imported = run_child(env, "import")
    if imported["status"] != "done" or imported["imported"] != rows:
        print(f"error: the import did not succeed: {imported}", file=sys.stderr)
        return False
    print()
    print(
        table(
            ["", "rows", "seconds", "rows/s", "peak MB"],
            [
                [
                    "raw bulk_create (encrypted, no checks)",
                    str(raw["rows"]),
                    f"{raw['seconds']:.1f}",
                    f"{raw['rows'] / raw['seconds']:.0f}",
                    f"{raw['peak_mb']:.0f}",
                ],
                [
                    "xlsx import (checked, all-or-nothing)",
                    str(imported["imported"]),
                    f"{imported['seconds']:.1f}",
                    f"{imported['imported'] / imported['seconds']:.0f}",
                    f"{imported['peak_mb']:.0f}",
                ],
            ],
        )
    )
    phases = ", ".join(f"{k} {v:.1f} s" for k, v in imported["phases"].items())
    print(f"import phases: {phases}")
    ratio = (imported["imported"] / imported["seconds"]) / (raw["rows"] / raw["seconds"])
    verdict = "met" if ratio >= IMPORT_TARGET else "NOT met"
    print()
    print(
        f"RESULT clients import: {imported['imported'] / imported['seconds']:.0f} rows/s "
        f"(peak {imported['peak_mb']:.0f} MB) vs raw {raw['rows'] / raw['seconds']:.0f} rows/s "
        f"(peak {raw['peak_mb']:.0f} MB); ratio {ratio:.2f} (target >= {IMPORT_TARGET}, {verdict})"
    )
    return True


# -- the child processes ---------------------------------------------------------------------


def run_child(env, what: str) -> dict:
    out = subprocess.run(
        [str(VENV_BIN / "python"), __file__, "--child", what],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"error: child {what} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _setup():
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _sheet_path() -> Path:
    return Path(os.environ["ANXIN_DATA_DIR"]) / "bench-clients.xlsx"


def child(what: str) -> int:
    _setup()
    from anxin.accounts.models import Store, User

    store = Store.objects.order_by("pk").first()
    if what == "sample":
        from anxin.clients.models import Client, SearchKey

        c = Client.objects.filter(store=store, phone_index__isnull=False).order_by("code")[500]
        key = SearchKey.objects.filter(client=c).order_by("pk").values_list("key", flat=True)
        initials = min(key, key=len)
        result = {"name": c.name[:2], "initials": initials, "phone": c.phone, "code": c.code}
    elif what.startswith("make:"):
        result = _make(int(what.split(":")[1]))
    elif what == "raw":
        result = _raw(store)
    else:
        result = _import(store, User.objects.get(username="frontdesk"))
    print(json.dumps(result, ensure_ascii=False))
    return 0


def _rows(count: int):
    """Rows no demo client has (phones 170xxxxxxxx; ID numbers for half, distinct)."""
    import datetime as dt

    from anxin.core.demo import DemoRandom

    rnd = DemoRandom(4242)
    from django.utils import timezone

    today = timezone.localdate()
    seen = set()
    for i in range(count):
        birth = rnd.birth_date(today=today)
        id_number = ""
        if i % 2 == 0:
            id_number = rnd.id_number(birth=birth, female=i % 4 == 0)
            if id_number in seen:
                id_number = ""
            seen.add(id_number)
        months_back = i % 24
        index = today.year * 12 + today.month - 1 - months_back
        # The 1st of the month: never after today (the 10th was, before the 10th of a month).
        registered = dt.date(index // 12, index % 12 + 1, 1)
        yield [
            rnd.person_name(),
            "女" if i % 4 == 0 else "男",
            birth,
            f"170{i:08d}",
            id_number,
            rnd.choice(["教师", "工程师", "退休", ""]),
            "是",
            "是" if i % 3 == 0 else "否",
            f"{registered:%Y-%m} 档案盒",
            registered,
        ]


HEAD = ["姓名", "性别", "出生日期", "电话", "身份证号", "职业", "同意处理个人信息",
        "单独同意处理健康信息", "纸质登记表存放位置", "登记日期"]  # fmt: skip


def _make(count: int) -> dict:
    from openpyxl import Workbook

    t0 = time.perf_counter()
    book = Workbook(write_only=True)
    sheet = book.create_sheet("clients")
    sheet.append(HEAD)
    for row in _rows(count):
        sheet.append(row)
    book.save(_sheet_path())
    return {"bytes": _sheet_path().stat().st_size, "seconds": time.perf_counter() - t0}


def _raw(store) -> dict:
    """The same rows as plain model rows, bulk-inserted: the floor of what an import costs."""
    from openpyxl import load_workbook

    from anxin.accounts.models import Store
    from anxin.clients.models import Client
    from anxin.crypto import keyring

    keyring.current().live()
    raw_store, _ = Store.objects.get_or_create(name="bench raw", short_code="RAW1")
    book = load_workbook(_sheet_path(), read_only=True)
    t0 = time.perf_counter()
    objs = []
    for i, row in enumerate(book.worksheets[0].iter_rows(min_row=2, values_only=True)):
        objs.append(
            Client(
                store=raw_store,
                code=f"RAW{i:08d}",
                name=row[0],
                gender="F" if row[1] == "女" else "M",
                birth_date=row[2].date() if row[2] else None,
                phone=str(row[3]),
                id_number=row[4] or "",
                occupation=row[5] or "",
            )
        )
    Client.objects.bulk_create(objs, batch_size=500)
    return {"rows": len(objs), "seconds": time.perf_counter() - t0, "peak_mb": _peak_mb()}


def _import(store, user) -> dict:
    from django.utils import translation

    from anxin.crypto import keyring
    from anxin.imports import base, services
    from anxin.imports.models import ImportJob

    keyring.current().live()
    translation.activate("zh-hans")
    importer = base.get("clients")
    content = _sheet_path().read_bytes()
    phases = {}
    t0 = time.perf_counter()
    services.check_file(importer, content)
    phases["file check"] = time.perf_counter() - t0
    import base64

    job = ImportJob.objects.create(
        store=store, user=user, importer="clients", filename="bench.xlsx",
        language="zh-hans", content=base64.b64encode(content).decode(),
    )  # fmt: skip
    t1 = time.perf_counter()
    services.run(job.pk)
    phases["read, check and save"] = time.perf_counter() - t1
    job.refresh_from_db()
    return {
        "status": job.status,
        "imported": job.imported,
        "errors": job.errors[:3],
        "message": job.message,
        "seconds": time.perf_counter() - t0,
        "phases": phases,
        "peak_mb": _peak_mb(),
    }


if __name__ == "__main__":
    sys.exit(main())
