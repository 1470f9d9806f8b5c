import datetime as dt
import secrets

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from anxin.accounts.models import Store
from anxin.accounts.services import role_assign, roles_ensure_defaults, store_create, user_create
from anxin.core.demo import DemoRandom
from anxin.core.seeding import categories_ensure_defaults

from ._util import require_migrated

SCALES = {"small": 1, "store": 1, "chain": 3}
STORE_NAMES = ["安信盲人按摩中心·朝阳店", "安信盲人按摩中心·海淀店", "安信养生馆·浦东店"]
STORE_CODES = ["BJ01", "BJ02", "SH01"]
# One demo account per default role: username -> role key. Chain-wide roles see every store.
DEMO_ACCOUNTS = {
    "frontdesk": "front_desk",
    "practitioner": "practitioner",
    "manager": "store_manager",
    "hr": "hr",
    "attendance": "attendance_clerk",
    "finance": "finance",
    "marketing": "marketing",
    "equipment": "equipment_manager",
    "purchasing": "purchasing",
    "infosec": "information_officer",
    "auditor": "auditor",
    "admin": "system_admin",
}
CHAIN_WIDE = {"information_officer", "auditor", "system_admin", "finance", "hr"}


class Command(BaseCommand):
    help = "Load deterministic demo data: stores, one account per role, category tables."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(SCALES), default="small")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, scale, seed, **options):
        require_migrated()
        if Store.objects.exists():
            raise CommandError(
                "this database already has stores; demo data loads only into an empty one."
            )
        # Create the data key before the big transaction: a key made inside it is not cached
        # until commit, so every encryption would read it again (minutes instead of seconds).
        from anxin.crypto import keyring

        keyring.current().live()
        accounts = load_demo(scale=scale, seed=seed)
        # Thousands of rows just arrived: the planner needs to know (issue 11).
        from anxin.core.db import update_statistics

        update_statistics()
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded (scale {scale}, seed {seed})."))
        self.stdout.write("Demo accounts (passwords are shown only now; only hashes are stored):")
        for username, role, password in accounts:
            self.stdout.write(f"  {username:<14} {password}   {role}")


@transaction.atomic
def load_demo(*, scale: str, seed: int) -> list[tuple[str, str, str]]:
    rnd = DemoRandom(seed)
    roles = {r.key: r for r in roles_ensure_defaults()}
    stores = [
        store_create(
            name=STORE_NAMES[i],
            short_code=STORE_CODES[i],
            phone=f"010-{rnd.randrange(10**7, 10**8)}",
            store_type="massage",
        )
        for i in range(SCALES[scale])
    ]
    categories_ensure_defaults()
    accounts = []
    for username, role_key in DEMO_ACCOUNTS.items():
        password = secrets.token_urlsafe(12)
        user = user_create(
            username=username, password=password, full_name=rnd.person_name(), phone=rnd.mobile()
        )
        for store in stores if role_key in CHAIN_WIDE else stores[:1]:
            role_assign(user=user, store=store, role_key=role_key)
        accounts.append((username, str(roles[role_key].label), password))
        if role_key == "front_desk":
            front_desk = user
    demo_clients(
        rnd=rnd,
        store=stores[0],
        front_desk=front_desk,
        count=DEMO_CLIENTS[scale],
        months=HISTORY_MONTHS[scale],
    )
    from anxin.attendance.demo import demo_staff_and_attendance
    from anxin.catalogue.demo import demo_catalogue
    from anxin.delivery.demo import demo_services
    from anxin.scheduling.demo import demo_appointments

    # Staff and their attendance first: the services lie on the practitioners' worked days,
    # and each becomes the appointment it came from.
    demo_staff_and_attendance(rnd=rnd, store=stores[0], scale=scale)
    items, promotions = demo_catalogue(rnd=rnd, store=stores[0], scale=scale)
    services = demo_services(
        rnd=rnd, store=stores[0], items=items, promotions=promotions, scale=scale
    )
    demo_appointments(rnd=rnd, store=stores[0], scale=scale, missed=services["missed"])
    from anxin.complaints.demo import demo_complaints

    demo_complaints(rnd=rnd, store=stores[0], scale=scale)
    from anxin.supervision.demo import demo_supervision

    demo_supervision(rnd=rnd, store=stores[0], scale=scale)
    from anxin.commissions.demo import demo_commissions, demo_rules

    # The commission rules first: the bills paid through checkout earn theirs on the real path.
    demo_rules(
        rnd=rnd,
        store=stores[0],
        since=timezone.localdate() - dt.timedelta(days=31 * (HISTORY_MONTHS[scale] + 1)),
    )
    from anxin.cards.demo import demo_cards
    from anxin.till.demo import bulk_visits, demo_till

    # The cards before the till: they choose which of the visits the till bills in bulk a card
    # pays (their ledgers are written with those bills), and the last days' bills of card
    # holders are paid by card at checkout.
    visits = bulk_visits(store=stores[0], scale=scale)
    plan = demo_cards(rnd=rnd, store=stores[0], items=items, scale=scale, visits=visits)
    demo_till(rnd=rnd, store=stores[0], scale=scale, card_plan=plan)
    demo_commissions(rnd=rnd, store=stores[0], scale=scale)
    return accounts


DEMO_CLIENTS = {"small": 40, "store": 20_000, "chain": 40}


# Months of history: client registrations, attendance and services span the same time.
HISTORY_MONTHS = {"small": 24, "store": 36, "chain": 24}


def demo_clients(*, rnd, store, front_desk, count: int, months: int) -> None:
    from anxin.clients.demo import demo_clients as generate

    generate(rnd=rnd, store=store, front_desk=front_desk, count=count, months=months)
