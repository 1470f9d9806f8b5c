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
