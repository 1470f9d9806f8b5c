"""``anxin accounts offboard USER``, ``anxin accounts review`` (SEC-6, SEC-8) and
``anxin accounts store CODE`` (a store's settings: shown, or changed with an option)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from anxin.accounts import services
from anxin.accounts.models import Store, StoreType, User


class Command(BaseCommand):
    help = "Account lifecycle from the command line: offboard a leaver, review permissions."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        off = sub.add_parser("offboard", help="end all access of a leaver at once")
        off.add_argument("username")
        off.add_argument("--successor", help="who takes over their open work")
        off.add_argument("--yes", action="store_true", help="do not ask for confirmation")
        review = sub.add_parser("review", help="list who can do what, per store")
        review.add_argument("--store", help="a store's short code (default: all stores)")
        shop = sub.add_parser("store", help="show or change a store's settings")
        shop.add_argument("code", help="the store's short code")
        shop.add_argument(
            "--reminder-names-service",
            choices=["yes", "no"],
            help="whether appointment reminders (SMS) name the booked service (default: no)",
        )
        shop.add_argument(
            "--type",
            dest="store_type",
            choices=[t.value for t in StoreType],
            help="what the store does; it names the practitioners (按摩师, 美容师, 保洁员, 技师)",
        )

    def handle(self, *args, action, **opts):
        if action == "offboard":
            return self.offboard(**opts)
        if action == "store":
            return self.store_settings(**opts)
        return self.review(**opts)

    def store_settings(self, *, code, reminder_names_service, store_type=None, **_):
        store = Store.objects.filter(short_code=code.upper()).first()
        if store is None:
            raise CommandError(f"there is no store '{code}'.")
        if reminder_names_service is not None or store_type is not None:
            store = services.store_settings_update(
                actor=None,
                store=store,
                reminder_names_service=None
                if reminder_names_service is None
                else reminder_names_service == "yes",
                store_type=store_type,
            )
        names = "yes" if store.reminder_names_service else "no"
        self.stdout.write(f"{store.short_code} {store}: reminders name the service: {names}")
        self.stdout.write(f"{store.short_code} {store}: kind of store: {store.store_type}")

    def offboard(self, *, username, successor, yes, **_):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"there is no account '{username}'.")
        heir = None
        if successor:
            heir = User.objects.filter(username=successor, is_active=True).first()
            if heir is None:
                raise CommandError(f"there is no active account '{successor}' to take over.")
        if not yes:
            try:
                answer = input(f"End all access of {username} now? Type the username to confirm: ")
            except EOFError:
                answer = ""
            if answer.strip() != username:
                raise CommandError("not confirmed; nothing changed.")
        result = services.account_offboard(actor=None, user=user, successor=heir)
        self.stdout.write(
            self.style.SUCCESS(
                f"{username}: access ended; {result['sessions_ended']} open session(s) closed."
            )
        )
        for name, ended in result["access_revoked"].items():
            self.stdout.write(f"  {name}: {ended} revoked")
        for name, moved in result["transferred"].items():
            self.stdout.write(f"  {name}: {moved} moved to {successor}")
        report = result.get("departure_report")
        if report is not None:
            self.stdout.write(f"Departure audit (last 90 days): {len(report)} record(s) accessed")
            for row in report:
                refused = f" ({row['denied']} refused)" if row.get("denied") else ""
                self.stdout.write(
                    f"  {row['record_type']} {row['record'] or '-'}: {row['uses']} use(s){refused}, "
                    f"last {timezone.localtime(row['last']):%Y-%m-%d %H:%M}"
                )

    def review(self, *, store, **_):
        chosen = None
        if store:
            chosen = Store.objects.filter(short_code=store.upper()).first()
            if chosen is None:
                raise CommandError(f"there is no store '{store}'.")
        rows = services.permission_review(store=chosen)
        current = None
        for row in rows:
            if row["store"] != current:
                current = row["store"]
                self.stdout.write(self.style.MIGRATE_HEADING(f"{current.short_code} {current}"))
            perms = ", ".join(row["permissions"]) or "-"
            self.stdout.write(f"  {row['user'].username:<16} {row['role'].label!s:<20} {perms}")
        self.stdout.write(f"{len(rows)} active role assignment(s).")
