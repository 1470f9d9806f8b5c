"""``anxin cards reconcile [--store CODE]``: the card ledger of every store checked whole (POS-2).

Writes the month-end balances of the ended months not kept yet, then reads every card's ledger
in order (serials without a gap, running balances equal to the sums, never negative, kept
month ends equal to the ledger) and every month's liability line since the first movement
(opening + flows = closing, equal to the cards' running balances). Exits with an error when
anything does not reconcile (a mismatch also raises the store's alert, as the monthly task)."""

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Min
from django.utils import timezone

from anxin.accounts.models import Store
from anxin.cards import month_ends, selectors, services
from anxin.cards.models import CardMovement


class Command(BaseCommand):
    help = "Membership cards: reconcile the whole card ledger of each store."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        rec = sub.add_parser("reconcile", help="check every card's ledger and every month")
        rec.add_argument("--store", help="a store's short code (default: all stores)")

    def handle(self, *args, action, store=None, **opts):
        stores = Store.objects.order_by("pk")
        if store:
            stores = stores.filter(short_code=store.upper())
            if not stores.exists():
                raise CommandError(f"there is no store '{store}'.")
        failed = False
        for shop in stores:
            failed |= not self.reconcile(shop)
        if failed:
            raise CommandError("the card ledger does NOT reconcile (see above).")
        self.stdout.write("the card ledger reconciles.")

    def reconcile(self, store) -> bool:
        written = month_ends.month_ends_write(store=store)
        result = month_ends.reconcile_store(store=store)
        first = CardMovement.objects.filter(store=store).aggregate(first=Min("at"))["first"]
        months, unreconciled = 0, []
        if first is not None:
            for year in range(timezone.localtime(first).year, timezone.localdate().year + 1):
                lines = selectors.liability_lines(store=store, year=year)
                lines = [
                    line
                    for line in lines
                    if line.month >= timezone.localtime(first).date().replace(day=1)
                ]
                months += len(lines)
                unreconciled += [line for line in lines if not line.reconciled]
            services.liability_alert(store=store, lines=unreconciled)
        for line in unreconciled:
            result.problems.append(
                f"{line.month:%Y-%m}: closing {line.closing} by the monthly sums, "
                f"{line.ledger_closing} by the running balances"
            )
        self.stdout.write(
            f"{store.short_code} {store}: {result.cards} cards, {result.rows} ledger rows, "
            f"balance owed {result.balance} yuan; {result.months} months kept at their end "
            f"({written} written now, {result.month_end_rows} card balances); {months} months "
            f"of the liability report: {months - len(unreconciled)} reconcile; "
            f"{len(result.problems)} problems"
        )
        for problem in result.problems[:50]:
            self.stdout.write(f"  {problem}")
        return result.ok
