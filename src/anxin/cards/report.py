"""The card-liability report as a spreadsheet (through ``core.spreadsheets``)."""

from django.utils.translation import gettext as _

from anxin.core.spreadsheets import XlsxWriter

from .selectors import FLOW_COLUMNS


def column_labels() -> dict[str, str]:
    return {
        "top_ups": _("Top-ups (+)"),
        "bonus": _("Bonus (+)"),
        "consumption": _("Consumption (−)"),
        "refunds": _("Refunds (−)"),
        "expiry": _("Expired (−)"),
        "transfers": _("Transfers (±)"),
        "reversals": _("Reversals (±)"),
    }


def liability_xlsx(lines) -> bytes:
    book = XlsxWriter()
    sheet = book.sheet(_("Card liability"))
    labels = column_labels()
    sheet.append(
        [
            _("Month"),
            _("Opening balance"),
            *[labels[key] for key, _kinds, _sign in FLOW_COLUMNS],
            _("Closing balance"),
            _("Closing balance by the ledger"),
            _("Reconciled"),
            _("Cash received"),
            _("Cash paid back"),
        ]
    )
    for line in lines:
        sheet.append(
            [
                f"{line.month:%Y-%m}",
                line.opening,
                *[line.flows[key] for key, _kinds, _sign in FLOW_COLUMNS],
                line.closing,
                line.ledger_closing,
                _("Yes") if line.reconciled else _("No"),
                line.cash_in,
                line.cash_out,
            ]
        )
    return book.to_bytes()
