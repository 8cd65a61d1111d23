"""The service: FastAPI API with roles, server-rendered pages, and the background batch runner.

The names below load on first use: ``ivs users`` and ``ivs signers`` need the users' table and
the limits, not the web application (FastAPI, the pages, the reports' charts), which takes
most of a second to import.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ivs.service.app import SECURITY_HEADERS, create_app
    from ivs.service.context import Limits, ServiceContext, open_context
    from ivs.service.jobs import BatchWorker, JobStatus, accept_batch, fetch_response, job_status
    from ivs.service.users import Role, User, add_user, authenticate, list_users, revoke_user

# Each exported name -> the module that defines it.
_DEFINED_IN = {
    "SECURITY_HEADERS": "app",
    "create_app": "app",
    "Limits": "context",
    "ServiceContext": "context",
    "open_context": "context",
    "BatchWorker": "jobs",
    "JobStatus": "jobs",
    "accept_batch": "jobs",
    "fetch_response": "jobs",
    "job_status": "jobs",
    "Role": "users",
    "User": "users",
    "add_user": "users",
    "authenticate": "users",
    "list_users": "users",
    "revoke_user": "users",
}

__all__ = [
    "SECURITY_HEADERS",
    "BatchWorker",
    "JobStatus",
    "Limits",
    "Role",
    "ServiceContext",
    "User",
    "accept_batch",
    "add_user",
    "authenticate",
    "create_app",
    "fetch_response",
    "job_status",
    "list_users",
    "open_context",
    "revoke_user",
]


def __getattr__(name: str) -> Any:
    module = _DEFINED_IN.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
