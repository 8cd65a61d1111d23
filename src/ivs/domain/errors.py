"""The one error hierarchy of ivs.

Every error the project raises on purpose derives from :class:`IvsError`; third-party errors
are wrapped once, at the edge where they happen (``raise FormatError(...) from e``).
Messages are written for the person who will read them, in three parts: what happened,
why it matters, and what to do.

    IvsError
    ├── ConfigError            settings or a configuration file is wrong
    ├── FormatError            a file does not follow the data contract (file, line, field)
    │   └── FormatErrors       several FormatErrors found in one file, reported together
    ├── InvalidIdentifier      an id from outside (batch, request, user, agency, case) is not
    │                          one (``ivs.domain.ids``): it could name a path or break the store
    ├── BatchRejected          a request batch fails as a whole: nothing is disclosed
    ├── BatchQuarantined       a batch is held for legal review: nothing is disclosed
    ├── NotFound               a named batch, case, entry or user does not exist
    ├── Conflict               the request contradicts recorded state (e.g. a reused batch id)
    ├── Unauthenticated        no valid token was presented (missing, unknown or revoked)
    ├── PermissionDenied       the caller's role may not do this
    ├── RateLimited            the caller sent more requests than its token's allowance
    ├── PayloadTooLarge        an upload or request body exceeds the service's limit
    ├── StoreError             the relational store failed; the run stops (fail closed)
    ├── LedgerError            the ledger is inconsistent or a proof does not verify
    ├── PackageError           a response package does not verify, or cannot be opened
    ├── EngineError            the SQL engine failed to run a step (the step is named)
    ├── NameInputError         a table given to name standardization lacks a name column
    ├── ReasonRequired         a review decision came without the reason it must record
    ├── InvalidUser            a service user's name, role or agency is not accepted
    ├── InvalidRequest         an API request's parameters or body are not of the documented form
    ├── MethodNotAllowed       an API path exists, but not with this HTTP method
    └── InternalError          the service failed where it should not have (details in its log)

Each class carries the HTTP status the service answers with and the exit code the CLI
returns, so that both faces report an error the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "BatchQuarantined",
    "BatchRejected",
    "ConfigError",
    "Conflict",
    "EngineError",
    "FormatError",
    "FormatErrors",
    "InternalError",
    "InvalidIdentifier",
    "InvalidRequest",
    "InvalidUser",
    "IvsError",
    "LedgerError",
    "MethodNotAllowed",
    "NameInputError",
    "NotFound",
    "PackageError",
    "PayloadTooLarge",
    "PermissionDenied",
    "Problem",
    "RateLimited",
    "ReasonRequired",
    "StoreError",
    "Unauthenticated",
]


class IvsError(Exception):
    """Root of every error ivs raises on purpose."""

    http_status: int = 500
    exit_code: int = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ConfigError(IvsError, ValueError):
    """A setting or configuration file is invalid."""

    exit_code = 2


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in a file, located as precisely as the file allows."""

    file: str
    message: str
    line: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
        if self.field is not None:
            where += f", field '{self.field}'"
        return f"{where}: {self.message}"


class FormatError(IvsError, ValueError):
    """A file does not follow the data contract (``spec/formats.md``)."""

    http_status = 422
    exit_code = 3

    def __init__(
        self, file: str, message: str, *, line: int | None = None, field: str | None = None
    ) -> None:
        self.problem = Problem(file=str(file), message=message, line=line, field=field)
        super().__init__(str(self.problem))

    @property
    def file(self) -> str:
        return self.problem.file

    @property
    def line(self) -> int | None:
        return self.problem.line

    @property
    def field(self) -> str | None:
        return self.problem.field


class FormatErrors(FormatError):
    """Several problems found in one file, reported together rather than one at a time."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        if not problems:
            raise ValueError("FormatErrors needs at least one problem")
        self.problems = tuple(problems)
        first = self.problems[0]
        FormatError.__init__(self, first.file, first.message, line=first.line, field=first.field)
        more = len(self.problems) - 1
        lines = [str(p) for p in self.problems[:20]]
        if len(self.problems) > 20:
            lines.append(f"... and {len(self.problems) - 20} more")
        self.message = (
            f"{len(self.problems)} problem(s) in {first.file}:\n  " + "\n  ".join(lines)
            if more
            else str(first)
        )


class InvalidIdentifier(IvsError, ValueError):
    """An identifier from outside does not follow the one pattern of ``ivs.domain.ids``."""

    http_status = 422
    exit_code = 19


class BatchRejected(IvsError, ValueError):
    """A request batch fails as a whole: no response file, nothing disclosed.

    ``problems`` lists every batch-level defect found, not only the first.
    """

    http_status = 422
    exit_code = 4

    def __init__(self, batch_id: str | None, problems: Sequence[str]) -> None:
        self.batch_id = batch_id
        self.problems = tuple(problems)
        name = f"batch {batch_id}" if batch_id else "the batch"
        listed = "\n  - ".join(self.problems)
        super().__init__(
            f"{name} is refused as a whole; nothing will be disclosed.\n  - {listed}\n"
            "Correct these in the batch and submit it again under a new signature."
        )


class BatchQuarantined(IvsError):
    """A batch is held for legal review (too many deficient records): nothing is disclosed."""

    http_status = 422
    exit_code = 5

    def __init__(self, batch_id: str, message: str) -> None:
        self.batch_id = batch_id
        super().__init__(message)


class NotFound(IvsError, LookupError):
    """A named batch, case, ledger entry or user does not exist (or is not visible to you)."""

    http_status = 404
    exit_code = 6


class Conflict(IvsError):
    """The request contradicts recorded state, e.g. a different batch under a used batch id."""

    http_status = 409
    exit_code = 7


class Unauthenticated(IvsError):
    """No valid bearer token: missing, unknown, malformed or revoked."""

    http_status = 401
    exit_code = 15


class PermissionDenied(IvsError):
    """The caller is known but its role may not do what it asked."""

    http_status = 403
    exit_code = 16


class RateLimited(IvsError):
    """The caller's token sent more requests than its allowance; it may retry shortly."""

    http_status = 429
    exit_code = 17

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PayloadTooLarge(IvsError, ValueError):
    """An upload or a request body is larger than the service accepts."""

    http_status = 413
    exit_code = 18


class StoreError(IvsError):
    """The relational store failed; runs stop rather than continue without accounting."""

    http_status = 503
    exit_code = 9


class LedgerError(IvsError):
    """The ledger is inconsistent, or a proof or signature does not verify."""

    http_status = 409
    exit_code = 10


class PackageError(IvsError, ValueError):
    """A response package is altered, incomplete, not signed by the agency's key, or cannot
    be opened with the key given (not one of its recipients')."""

    http_status = 422
    exit_code = 20


class EngineError(IvsError):
    """The engine failed to run a step; the message names the step."""

    exit_code = 11


class NameInputError(IvsError, ValueError):
    """The table given to ``standardize_names`` lacks a name column or has a non-string one."""


class ReasonRequired(IvsError, ValueError):
    """A review decision was submitted without a reason: each must say why, for the record."""

    http_status = 422
    exit_code = 2


class InvalidUser(IvsError, ValueError):
    """A user's name, role or agency is not one the service accepts."""

    http_status = 422
    exit_code = 2


class InvalidRequest(IvsError, ValueError):
    """A request's parameters or body do not have the form the API documents."""

    http_status = 422
    exit_code = 2


class MethodNotAllowed(IvsError):
    """The path exists, but not with this HTTP method."""

    http_status = 405
    exit_code = 2


class InternalError(IvsError):
    """Something failed that should not have; the details are in the service log only."""

    http_status = 500
    exit_code = 1
