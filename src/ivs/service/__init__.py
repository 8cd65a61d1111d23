"""The service: FastAPI API with roles, server-rendered pages, and the background batch runner."""

from ivs.service.app import SECURITY_HEADERS, create_app
from ivs.service.context import Limits, ServiceContext, open_context
from ivs.service.jobs import BatchWorker, JobStatus, accept_batch, fetch_response, job_status
from ivs.service.users import Role, User, add_user, authenticate, list_users, revoke_user

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
