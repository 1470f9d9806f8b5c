"""Privacy records. Each area keeps its models in its own module, imported here."""

from .retention import RetentionRule, RetentionRun, RuleKind, RunState
from .rights import (
    Erasure,
    ErasureOrigin,
    IdentityCheck,
    LegalHold,
    Objection,
    ObjectionUse,
    RequestKind,
    RequestStatus,
    RightsRequest,
)

__all__ = [
    "Erasure",
    "ErasureOrigin",
    "IdentityCheck",
    "LegalHold",
    "Objection",
    "ObjectionUse",
    "RequestKind",
    "RequestStatus",
    "RetentionRule",
    "RetentionRun",
    "RightsRequest",
    "RuleKind",
    "RunState",
]
from .incidents import (  # noqa: F401
    ActionKind,
    AffectedClient,
    AffectedSource,
    Incident,
    IncidentAction,
    IncidentNotice,
    IncidentState,
    NoticeChannel,
    NoticeText,
    Severity,
)
from .records import AppendOnlyError, Document  # noqa: F401
from .sharing import (  # noqa: F401
    AgreementKind,
    Disclosure,
    DisclosureClient,
    GrantClient,
    GrantDecision,
    GrantGrantee,
    GrantReview,
    GrantScope,
    LegalBasis,
    LegalDocumentType,
    Partner,
    PartnerAgreement,
    SharingGrant,
    Transfer,
    TransferChannel,
    TransferClient,
)
