"""The logs are evidence (AUD-2): never anonymised, purged only by age (``audit purge``). They
hold codes, ids, purposes and, for a changed name, the names before and after; never a
sensitive value. The client's copy lists who read their data (the access report)."""

from django.utils.translation import gettext_lazy as _

from anxin.privacy import registry

from .models import OperationLog, UseLog


def export(client) -> list[registry.Table]:
    from anxin.privacy.rights_selectors import access_rows

    rows = access_rows(client)
    return [
        registry.Table(
            key="access",
            title=str(_("Who accessed the data")),
            columns=[
                ("at", str(_("time"))),
                ("who", str(_("who"))),
                ("what", str(_("what"))),
                ("why", str(_("why"))),
            ],
            rows=[{k: r[k] for k in ("at", "who", "what", "why")} for r in rows],
        )
    ]


registry.register(
    "audit",
    label=_("Logs"),
    models=[OperationLog, UseLog],
    export=export,
    evidence=True,
    keeps=_("the operation and use logs, as evidence, until they are purged by age"),
)
