"""Permission names, declared once; roles are data that grant a set of them per store.

The security core turns these into the full policy table (role × record × action × scope).
"""

from django.utils.translation import gettext_lazy as _

MANAGE_CATEGORIES = "core.manage_categories"
VIEW_ORG = "org.view"
MANAGE_ORG = "org.manage"
MANAGE_ACCOUNTS = "accounts.manage"
# The store's own settings: its kind (which names its practitioners), reminders, its logo.
MANAGE_STORE = "accounts.manage_store"
# Revealing a masked value and exporting personal data (security core).
REVEAL_PERSONAL = "personal.reveal"
EXPORT_PERSONAL = "personal.export"
# Anomaly alerts and the audit logs (audit app, AUD-1..3).
VIEW_ALERTS = "audit.view_alerts"
# Deciding changes someone else proposed: two-person review (approvals app, SEC-5).
APPROVE_CHANGES = "approvals.approve"
# Personal API tokens (api app): a token reads what its holder may read, as its holder.
USE_API = "api.use"
# The catalogue (BIZ-1, BIZ-2) and service delivery (CLI-4, CLI-5).
MANAGE_ITEMS = "catalogue.manage_items"
MANAGE_PROMOTIONS = "catalogue.manage_promotions"
CORRECT_SERVICES = "delivery.correct_services"
MANAGE_FOLLOW_UPS = "delivery.manage_follow_ups"
# Backups and restores (backups app, STO-4, STO-5).
VIEW_BACKUPS = "backups.view"
RUN_BACKUPS = "backups.run"
RESTORE_BACKUPS = "backups.restore"
# Privacy: client rights and retention (issue 13)
OPEN_RIGHTS_REQUESTS = "privacy.open_requests"
HANDLE_RIGHTS_REQUESTS = "privacy.handle_requests"
MANAGE_RETENTION = "privacy.manage_retention"
# Privacy: sharing, disclosures, incidents (issue 13)
GRANT_SHARING = "privacy.grant_sharing"  # the owner or a department head grants a scope (PRV-3)
MANAGE_TRANSFERS = "privacy.manage_transfers"  # partners, agreements, transfers (PRV-4)
RECORD_DISCLOSURES = "privacy.record_disclosures"  # disclosures to authorities (PRV-5)
MANAGE_INCIDENTS = "privacy.manage_incidents"  # incidents and breach response (PRV-7)
# Complaints and whistle-blowing (issue 14, AUD-5, ANA-4)
TAKE_COMPLAINTS = "complaints.take"  # record a complaint received at the desk or by phone
VIEW_COMPLAINTS = "complaints.view"  # read the store's complaint cases
HANDLE_COMPLAINTS = "complaints.handle"  # investigate, rectify, answer, close, compensate
ANALYSE_COMPLAINTS = "complaints.analyse"  # complaint and feedback analysis (aggregates)
INVESTIGATE_REPORTS = "complaints.investigate_reports"  # whistle-blowing reports, no identity
UNSEAL_REPORTER = "complaints.unseal_reporter"  # the custodian: unseal with reason + approval
# Supervision: internal audits (AUD-4); the supervisor also sees every audit's findings.
RUN_AUDITS = "supervision.run_audits"
VIEW_AUDITS = "supervision.view_audits"
# Supervision: the rules that turn KPIs into rewards and penalties (AUD-6).
MANAGE_KPI_RULES = "supervision.manage_rules"
# Membership cards (issue 15 §2, POS-2)
MANAGE_CARD_TYPES = "cards.manage_types"
VIEW_CARD_LIABILITY = "cards.view_liability"
# Commissions (issue 15 §3, POS-3): the rules and the payroll month close
MANAGE_COMMISSIONS = "commissions.manage"
SECOND_FACTOR_PERMISSIONS = {MANAGE_ACCOUNTS, REVEAL_PERSONAL, EXPORT_PERSONAL, RESTORE_BACKUPS}

PERMISSIONS = {
    MANAGE_CATEGORIES: _("Maintain the category code tables"),
    VIEW_ORG: _("See the organisation: departments and posts"),
    MANAGE_ORG: _("Maintain the organisation: departments and posts"),
    MANAGE_ACCOUNTS: _("Manage accounts and role assignments"),
    MANAGE_STORE: _("Change the store's settings: its kind, reminders and logo"),
    REVEAL_PERSONAL: _("Reveal masked personal data, with a stated purpose"),
    EXPORT_PERSONAL: _("Export personal data"),
    VIEW_ALERTS: _("See and handle anomaly alerts; read the operation and use logs"),
    APPROVE_CHANGES: _("Approve or reject important changes proposed by someone else"),
    USE_API: _("Hold personal API tokens for programs that read in one's name"),
    MANAGE_ITEMS: _("Maintain the service items (price changes need approval)"),
    MANAGE_PROMOTIONS: _("Record promotions and read their effect"),
    CORRECT_SERVICES: _("Propose a correction to a saved service record"),
    MANAGE_FOLLOW_UPS: _("Assign follow-up tasks and forward suggestions to departments"),
    VIEW_BACKUPS: _("See backups, restore drills and backup health"),
    RUN_BACKUPS: _("Start a backup or a restore drill"),
    RESTORE_BACKUPS: _("Restore the database from a backup"),
    # Privacy: client rights and retention (issue 13)
    OPEN_RIGHTS_REQUESTS: _("Receive a client's request about their data (the request desk)"),
    HANDLE_RIGHTS_REQUESTS: _(
        "Answer clients' requests: copies, corrections, deletion, objections, access reports"
    ),
    MANAGE_RETENTION: _("Propose and approve retention runs that anonymise old client data"),
    # Privacy: sharing, disclosures, incidents (issue 13)
    GRANT_SHARING: _("Grant others a scope of client data for a purpose, and review the grants"),
    MANAGE_TRANSFERS: _("Record partners' agreements and send client data to a partner"),
    RECORD_DISCLOSURES: _("Record a disclosure of client data to an authority"),
    MANAGE_INCIDENTS: _("Record incidents, their affected clients and the notices sent"),
    # Complaints and whistle-blowing (issue 14)
    TAKE_COMPLAINTS: _("Take complaints at the desk or by phone"),
    VIEW_COMPLAINTS: _("Read the store's complaint cases"),
    HANDLE_COMPLAINTS: _("Investigate complaints, record rectification and feedback, close them"),
    ANALYSE_COMPLAINTS: _("Read the complaint and feedback analysis"),
    INVESTIGATE_REPORTS: _("Investigate whistle-blowing reports (without the reporter's identity)"),
    UNSEAL_REPORTER: _(
        "Custodian of whistle-blowers' identities: unseal one with a reason and a second "
        "person's approval"
    ),
    # Supervision (issue 14)
    RUN_AUDITS: _("Plan and run internal audits: checklists, findings, verification, closure"),
    VIEW_AUDITS: _("Read internal audits and their findings; be reminded of overdue ones"),
    MANAGE_KPI_RULES: _("Write and publish the rules that turn KPIs into rewards and penalties"),
    # Membership cards (issue 15 §2, POS-2)
    MANAGE_CARD_TYPES: _("Define the membership card types the store sells"),
    VIEW_CARD_LIABILITY: _("See the monthly card-liability report and its reconciliation"),
    # Commissions (issue 15 §3, POS-3)
    MANAGE_COMMISSIONS: _("Set the commission rules and close a month's commissions for payroll"),
}

# The default roles of SPEC SEC-2, least privilege first. Key -> (label, permissions).
DEFAULT_ROLES: dict[str, tuple] = {
    "front_desk": (
        _("Front desk"),
        [
            VIEW_ORG,
            CORRECT_SERVICES,
            MANAGE_FOLLOW_UPS,
            OPEN_RIGHTS_REQUESTS,
            # Complaints (issue 14)
            TAKE_COMPLAINTS,
            VIEW_COMPLAINTS,
        ],
    ),
    "practitioner": (_("Practitioner"), [VIEW_ORG, CORRECT_SERVICES]),
    "store_manager": (
        _("Store manager"),
        [
            VIEW_ORG,
            MANAGE_ORG,
            APPROVE_CHANGES,
            MANAGE_ITEMS,
            MANAGE_PROMOTIONS,
            CORRECT_SERVICES,
            MANAGE_FOLLOW_UPS,
            USE_API,
            MANAGE_STORE,
            # Privacy: sharing, disclosures, incidents (issue 13)
            GRANT_SHARING,
            # Complaints (issue 14)
            TAKE_COMPLAINTS,
            VIEW_COMPLAINTS,
            HANDLE_COMPLAINTS,
            ANALYSE_COMPLAINTS,
            # Supervision (issue 14)
            VIEW_AUDITS,
            MANAGE_KPI_RULES,
            # Membership cards (issue 15 §2)
            MANAGE_CARD_TYPES,
            VIEW_CARD_LIABILITY,
            # Commissions (issue 15 §3)
            MANAGE_COMMISSIONS,
        ],
    ),
    "hr": (_("Human resources"), [VIEW_ORG, MANAGE_ORG, MANAGE_KPI_RULES]),
    "attendance_clerk": (_("Attendance clerk"), [VIEW_ORG]),
    "finance": (_("Finance"), [VIEW_ORG, VIEW_CARD_LIABILITY, MANAGE_COMMISSIONS]),
    "marketing": (_("Marketing"), [VIEW_ORG, MANAGE_PROMOTIONS]),
    "equipment_manager": (_("Equipment manager"), [VIEW_ORG]),
    "purchasing": (_("Purchasing"), [VIEW_ORG]),
    "information_officer": (
        _("Information officer"),
        [
            VIEW_ORG,
            MANAGE_CATEGORIES,
            VIEW_ALERTS,
            VIEW_BACKUPS,
            # Privacy: client rights and retention (issue 13)
            OPEN_RIGHTS_REQUESTS,
            HANDLE_RIGHTS_REQUESTS,
            MANAGE_RETENTION,
            # Privacy: sharing, disclosures, incidents (issue 13)
            MANAGE_TRANSFERS,
            RECORD_DISCLOSURES,
            MANAGE_INCIDENTS,
            # Complaints and whistle-blowing (issue 14)
            VIEW_COMPLAINTS,
            HANDLE_COMPLAINTS,
            ANALYSE_COMPLAINTS,
            INVESTIGATE_REPORTS,
        ],
    ),
    "auditor": (
        _("Auditor / supervisor"),
        # Complaints and whistle-blowing (issue 14): the supervisor reads cases and analysis
        # and investigates reports; no default role is the identity custodian (UNSEAL_REPORTER
        # is granted to a named person, see docs/complaints.md).
        [
            VIEW_ORG,
            VIEW_ALERTS,
            VIEW_COMPLAINTS,
            ANALYSE_COMPLAINTS,
            INVESTIGATE_REPORTS,
            RUN_AUDITS,
            VIEW_AUDITS,
        ],
    ),
    "system_admin": (
        _("System administrator"),
        [
            VIEW_ORG,
            MANAGE_ORG,
            MANAGE_CATEGORIES,
            MANAGE_ACCOUNTS,
            MANAGE_STORE,
            VIEW_ALERTS,
            APPROVE_CHANGES,
            USE_API,
            VIEW_BACKUPS,
            RUN_BACKUPS,
            RESTORE_BACKUPS,
        ],
    ),
}
