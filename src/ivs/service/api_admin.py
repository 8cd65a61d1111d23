"""Administrators manage users, the signer roster and the pilot's jurisdictions."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path

from ivs.batch.roster import import_roster, stored_roster
from ivs.disclose import pilot as pilot_staging
from ivs.domain.errors import FormatErrors
from ivs.domain.pilot import PilotChange, pilot_in_force
from ivs.formats.signers import Signer, check_signers
from ivs.service.deps import Admin, Context
from ivs.service.errors import ERROR_RESPONSES, InvalidRequest
from ivs.service.models import PilotChangeIn, PilotOut, RosterOut, SignerOut, UserCreated, UserIn
from ivs.service.models import UserOut as UserModel
from ivs.service.users import NAME_PATTERN, User, add_user, list_users, revoke_user
from ivs.store import pilot_history

__all__ = ["router", "user_out"]

router = APIRouter(prefix="/v1/admin", tags=["admin"], responses=ERROR_RESPONSES)

# A name outside the pattern names no user (and PostgreSQL could not compare one with NUL).
UserName = Annotated[str, Path(pattern=NAME_PATTERN, description="User name.")]


def user_out(user: User) -> UserModel:
    return UserModel(
        name=user.name,
        role=user.role.value,
        agency=user.agency,
        created_at=user.created_at,
        created_by=user.created_by,
        revoked_at=user.revoked_at,
        revoked_by=user.revoked_by,
        expires_at=user.expires_at,
    )


@router.get("/users", response_model=list[UserModel])
def users(ctx: Context, _caller: Admin) -> list[UserModel]:
    """Every user, active or revoked (tokens are never shown)."""
    return [user_out(u) for u in list_users(ctx.store)]


@router.post("/users", status_code=201, response_model=UserCreated)
def create_user(body: UserIn, ctx: Context, user: Admin) -> UserCreated:
    """Add a user; the answer holds its bearer token, shown this once."""
    added, token = add_user(
        ctx.store,
        body.name,
        body.role,
        agency=body.agency,
        changed_by=user.name,
        now=ctx.now(),
        ledger=ctx.ledger,
        expires_at=body.expires_at,
    )
    return UserCreated(user=user_out(added), token=token)


@router.delete("/users/{name}", response_model=UserModel)
def revoke(name: UserName, ctx: Context, user: Admin) -> UserModel:
    """Revoke a user's token for good (recorded on the ledger)."""
    return user_out(
        revoke_user(ctx.store, name, changed_by=user.name, now=ctx.now(), ledger=ctx.ledger)
    )


def _signer_out(s: Signer) -> SignerOut:
    return SignerOut(
        key_id=s.key_id,
        agency=s.agency,
        name=s.name,
        title=s.title,
        role=s.role,
        valid_from=s.valid_from.isoformat(),
        valid_until=s.valid_until.isoformat() if s.valid_until else None,
    )


@router.get("/signers", response_model=RosterOut)
def signers(ctx: Context, _caller: Admin) -> RosterOut:
    """The signer roster in force."""
    roster = stored_roster(ctx.store, required=False)
    return RosterOut(signers=[_signer_out(roster[k]) for k in sorted(roster)])


@router.put("/signers", response_model=RosterOut)
def replace_signers(
    ctx: Context,
    user: Admin,
    roster: Annotated[dict[str, Any], Body(description="A signers.json (formats.md §1.3).")],
) -> RosterOut:
    """Replace the roster with the one given (every change recorded on the ledger)."""
    parsed, problems = check_signers(roster, "request body")
    if problems:
        raise FormatErrors(problems)
    signers_by_id = {s.key_id: s for s in parsed}
    change = import_roster(
        ctx.store, signers_by_id, changed_by=user.name, now=ctx.now(), ledger=ctx.ledger
    )
    return RosterOut(
        signers=[_signer_out(signers_by_id[k]) for k in sorted(signers_by_id)],
        added=list(change.added),
        removed=list(change.removed),
        ledger_index=change.ledger_index,
    )


def _pilot(ctx: Context) -> PilotOut:
    history = pilot_history(ctx.store)
    in_force = pilot_in_force(history, ctx.now().date())
    return PilotOut(
        configured=in_force is not None,
        in_force=[
            {"state": p.state, "zip3": p.zip3, "since": p.since.isoformat()} for p in in_force or []
        ],
        changes=[
            {"action": c.action, "state": c.state, "zip3": c.zip3, "effective": str(c.effective)}
            for c in history
        ],
    )


@router.get("/pilot", response_model=PilotOut)
def pilot(ctx: Context, _caller: Admin) -> PilotOut:
    """The pilot's jurisdictions in force today, and every change."""
    return _pilot(ctx)


@router.post("/pilot", response_model=PilotOut)
def change_pilot(body: PilotChangeIn, ctx: Context, user: Admin) -> PilotOut:
    """Enable or disable a state (or one ZIP3 area) from a date; recorded on the ledger."""
    try:
        effective = date.fromisoformat(body.effective)
    except ValueError as e:
        raise InvalidRequest(f"effective must be a real date YYYY-MM-DD: {e}") from e
    change = PilotChange(body.action, body.state, body.zip3, effective)
    # The ledger's store is the service's (one connection pool for both).
    pilot_staging.change_pilot(ctx.ledger, change, user.name)
    return _pilot(ctx)
