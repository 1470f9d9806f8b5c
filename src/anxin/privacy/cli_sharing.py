"""``anxin privacy review-grants``: the periodic review of sharing grants (PRV-3).

Lists the grants in force (per store) for their grantor to confirm or end; ``--confirm N`` or
``--end N`` records the decision (as ``--as USERNAME``, who must hold the grant permission),
exactly as the review page does.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import CommandError
from django.utils import timezone

from anxin.accounts.models import Store, User

from . import services_sharing
from .models import GrantDecision, SharingGrant

HELP = "list the sharing grants in force; confirm or end one"


def register(sub) -> dict:
    add_arguments(sub.add_parser("review-grants", help=HELP))
    return {"review-grants": review_grants}


def add_arguments(review) -> None:
    """The options. Also usable by a command that lists its subcommands as modules (``HELP``,
    ``add_arguments(parser)``, ``handle(command, **options)``)."""
    review.add_argument("--store", help="a store's short code (default: all stores)")
    decide = review.add_mutually_exclusive_group()
    decide.add_argument("--confirm", type=int, metavar="GRANT", help="confirm grant GRANT")
    decide.add_argument("--end", type=int, metavar="GRANT", help="end grant GRANT now")
    review.add_argument("--as", dest="reviewer", metavar="USERNAME", help="who decides")
    review.add_argument("--note", default="", help="a note kept with the decision")


def handle(command, **options) -> None:
    review_grants(command, **options)


def review_grants(command, *, store=None, confirm=None, end=None, reviewer=None, note="", **_):
    now = timezone.now()
    grants = SharingGrant.objects.filter(
        starts_at__lte=now, ends_at__gt=now, ended_at__isnull=True
    ).select_related("store", "grantor")
    if store:
        shop = Store.objects.filter(short_code=store.upper()).first()
        if shop is None:
            raise CommandError(f"there is no store '{store}'.")
        grants = grants.filter(store=shop)
    grant_id = confirm or end
    if grant_id is None:
        for grant in grants.order_by("store__short_code", "ends_at"):
            people = ", ".join(
                g.user.username if g.user else f"role:{g.role.key}"
                for g in grant.grantees.select_related("user", "role")
            )
            command.stdout.write(
                f"#{grant.pk} {grant.store.short_code} {grant.purpose} | {grant.scope} | "
                f"to {people} | by {grant.grantor.username} | until "
                f"{timezone.localtime(grant.ends_at):%Y-%m-%d %H:%M}"
            )
        command.stdout.write(f"{grants.count()} grant(s) in force.")
        return
    grant = grants.filter(pk=grant_id).first()
    if grant is None:
        raise CommandError(f"no grant #{grant_id} is in force.")
    actor = User.objects.filter(username=reviewer or "", is_active=True).first()
    if actor is None:
        raise CommandError("say who decides: --as USERNAME (an active account).")
    decision = GrantDecision.CONFIRM if confirm else GrantDecision.END
    try:
        services_sharing.grant_review(
            actor=actor, store=grant.store, grant=grant, decision=decision, note=note
        )
    except PermissionDenied as exc:
        raise CommandError(
            f"{reviewer} may not review sharing grants in {grant.store.short_code}."
        ) from exc
    except ValidationError as exc:
        raise CommandError(" ".join(exc.messages)) from exc
    command.stdout.write(command.style.SUCCESS(f"#{grant.pk}: {decision} recorded."))
