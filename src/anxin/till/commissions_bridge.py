"""The commissions contract with ``anxin.commissions`` (issue 15 §3), used only when installed.

Called inside the till's own transaction, so a bill or a refund and its commissions are written
together or not at all.
"""

from django.apps import apps


def installed() -> bool:
    return apps.is_installed("anxin.commissions")


def for_sale(*, bill, lines) -> None:
    if installed():
        from anxin.commissions.services import for_sale as earn

        earn(bill=bill, lines=lines)


def for_refund(*, refund, lines) -> None:
    if installed():
        from anxin.commissions.services import for_refund as offset

        offset(refund=refund, lines=lines)
