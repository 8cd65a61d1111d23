"""Typed records, reason and decision codes, settings and the one error hierarchy."""

from ivs.domain.codes import (
    FAMILIES,
    REJECTION_CODES,
    DecisionCode,
    Outcome,
    RejectionCode,
    rejection,
)
from ivs.domain.errors import (
    BatchQuarantined,
    BatchRejected,
    ConfigError,
    Conflict,
    FormatError,
    FormatErrors,
    IvsError,
    LedgerError,
    NotFound,
    Problem,
    StoreError,
)
from ivs.domain.settings import Settings, ivs_home, load_settings

__all__ = [
    "FAMILIES",
    "REJECTION_CODES",
    "BatchQuarantined",
    "BatchRejected",
    "ConfigError",
    "Conflict",
    "DecisionCode",
    "FormatError",
    "FormatErrors",
    "IvsError",
    "LedgerError",
    "NotFound",
    "Outcome",
    "Problem",
    "RejectionCode",
    "Settings",
    "StoreError",
    "ivs_home",
    "load_settings",
    "rejection",
]
