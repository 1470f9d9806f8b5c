"""Screenshots of the main pages for docs/screenshots/ (run by scripts/screenshots.sh).

Logs each demo account in without its password (a session made here in the demo server's
database, with the second factor passed, as the browser tests do) and photographs each page in
Simplified Chinese at a desktop width (1366 px) and a phone width (320 px). Only the visible
screen is kept (not the whole page): few, small pictures.
"""

import os
import sys
from pathlib import Path

import django

WIDTHS = {"wide": (1366, 768), "narrow": (320, 640)}
CHROMIUM = "/usr/bin/chromium"


def pages():
    """(file name, demo account, address) of each picture."""
    from django.db.models import Count
    from django.utils import timezone

    from anxin.cards.models import Card
    from anxin.clients.models import Client
    from anxin.commissions.models import Commission
    from anxin.scheduling.models import Appointment
    from anxin.till.models import Bill

    client = Client.objects.filter(status="active").order_by("code").first()
    # The commissions of the latest month that has some, and its busiest practitioner's.
    latest = Commission.objects.order_by("-month").values_list("month", flat=True).first()
    month = f"{latest:%Y-%m}" if latest else f"{timezone.localdate():%Y-%m}"
    busiest = (
        Commission.objects.filter(month=latest)
        .values("practitioner")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("practitioner", flat=True)
        .first()
    )
    # The day view of the next day with bookings (the demo books the coming days).
    now = timezone.now()
    booked = (
        Appointment.objects.filter(start__gte=now).order_by("start").first()
        or Appointment.objects.order_by("-start").first()
    )
    day = timezone.localtime(booked.start).date().isoformat() if booked else ""
    # The card with the longest ledger, and the busiest day of bills.
    card = Card.objects.annotate(n=Count("movements")).order_by("-n").first()
    busy_day = (
        Bill.objects.values("business_day")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("business_day", flat=True)
        .first()
    )
    return [
        ("home-front-desk", "frontdesk", "/"),
        ("home-practitioner", "practitioner", "/"),
        ("home-manager", "manager", "/"),
        ("home-finance", "finance", "/"),
        ("clients", "frontdesk", "/clients/"),
        ("client-file", "manager", f"/clients/{client.code}/"),
        ("day-view", "frontdesk", f"/appointments/?day={day}"),
        ("calendar", "frontdesk", f"/appointments/calendar/?day={day}"),
        ("my-week", "practitioner", f"/appointments/calendar/?view=week&day={day}"),
        ("booking-form", "frontdesk", f"/appointments/new/?client={client.code}"),
        ("service-record-form", "frontdesk", "/services/new/"),
        ("report", "manager", "/performance/"),
        ("store-settings", "manager", "/accounts/store/settings/"),
        ("commissions", "manager", f"/commissions/?month={month}"),
        ("commissions-person", "manager", f"/commissions/people/{busiest}/?month={month}"),
        ("commission-rules", "manager", "/commissions/rules/"),
        ("card", "manager", f"/cards/{card.number}/" if card else "/cards/"),
        ("bills-day", "finance", f"/till/bills/?day={busy_day}" if busy_day else "/till/bills/"),
        ("complaints", "manager", "/complaints/"),
        ("kpis", "manager", "/supervision/kpis/"),
        ("permission-review", "admin", "/accounts/review/"),
    ]


def session_for(username: str) -> str:
    from django.conf import settings
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from anxin.accounts.models import User
    from anxin.accounts.security import requires_second_factor

    user = User.objects.get(username=username)
    browser = Client()
    browser.force_login(user)
    if requires_second_factor(user):
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="screenshots", confirmed=True)
        session = browser.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return browser.cookies[settings.SESSION_COOKIE_NAME].value


def main(base_url: str, out: Path, only: set[str] | None = None) -> None:
    from django.conf import settings
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    shots = [shot for shot in pages() if not only or shot[0] in only]
    sessions = {user: session_for(user) for _name, user, _path in shots}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        for label, (width, height) in WIDTHS.items():
            for name, user, path in shots:
                context = browser.new_context(
                    base_url=base_url, viewport={"width": width, "height": height}, locale="zh-CN"
                )
                context.add_cookies(
                    [
                        {
                            "name": settings.SESSION_COOKIE_NAME,
                            "value": sessions[user],
                            "url": base_url + "/",
                        },
                        {
                            "name": settings.LANGUAGE_COOKIE_NAME,
                            "value": "zh-hans",
                            "url": base_url + "/",
                        },
                    ]
                )
                page = context.new_page()
                page.goto(path)
                page.wait_for_load_state("networkidle")
                wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                if wide > 0:
                    print(f"{name}-{label}: scrolls sideways by {wide} px")
                target = out / f"{name}-{label}.png"
                page.screenshot(path=str(target))
                print(f"{target} ({target.stat().st_size // 1024} KB)")
                context.close()
        browser.close()


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "anxin.config.settings.local")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's loop; the ORM runs apart
    django.setup()
    # An optional third argument names the pictures to take, comma-separated (default: all).
    only = set(sys.argv[3].split(",")) if len(sys.argv) > 3 else None
    main(sys.argv[1].rstrip("/"), Path(sys.argv[2]), only)
