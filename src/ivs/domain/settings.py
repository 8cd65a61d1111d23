"""One settings object: ``IVS_`` environment variables over ``$IVS_HOME/ivs.toml`` over defaults.

Policy is configuration, not code: thresholds, the statute allow-list, the batch-size cap and
the reason policy are here so that an administrator can change them and the ledger can record
which values a decision was made under.
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from ivs.domain.errors import ConfigError

__all__ = ["Settings", "ivs_home", "load_settings"]

DEFAULT_HOME = Path(".ivs")
SETTINGS_FILE = "ivs.toml"


def ivs_home() -> Path:
    """Where state lives: ``$IVS_HOME``, or ``./.ivs``."""
    return Path(os.environ.get("IVS_HOME") or DEFAULT_HOME)


class Settings(BaseSettings):
    """Every tunable of the service. Field docs are the documentation of each setting."""

    model_config = SettingsConfigDict(env_prefix="IVS_", extra="forbid", frozen=True)

    home: Path = Field(default_factory=ivs_home, description="State directory ($IVS_HOME).")
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the store; SQLite file under $IVS_HOME when unset.",
    )
    statute_allow_list: tuple[str, ...] = Field(
        default=("8 U.S.C. 1253(a)(1)",),
        description="Nontax criminal statutes a batch may cite (compared after normalising).",
    )
    max_batch_records: int = Field(
        default=2_000_000, gt=0, description="Largest batch accepted (guard against sweeps)."
    )
    quarantine_defect_rate: float = Field(
        default=0.25,
        ge=0.0,
        le=1.0,
        description="Share of rejected records above which the whole batch is held for review.",
    )
    master_defect_rate: float = Field(
        default=0.05,
        ge=0.0,
        le=1.0,
        description="Share of a master table's rows with a defect above which the whole master "
        "is refused; below it, those rows are set aside and the rest indexed.",
    )
    reason_policy: Literal["per_record", "batch"] = Field(
        default="per_record",
        description="per_record: every record needs its own reason; batch: manifest's suffices.",
    )
    min_order_age_days: int = Field(
        default=90, ge=0, description="Days a removal order must have been final."
    )
    reject_custody_facility_addresses: bool = Field(
        default=True,
        description="Refuse requests whose address is a jail, prison or detention facility.",
    )
    disclosure_threshold: float = Field(
        default=0.999, gt=0.0, le=1.0, description="Match probability at or above: disclose."
    )
    commit_chunk_records: int = Field(
        default=200_000,
        gt=0,
        description="Records decided per ledger transaction (each commit is durable).",
    )
    retention_days: int = Field(
        default=365,
        gt=0,
        description="Days working data and response files are kept before `ivs purge`.",
    )
    recall_certification_days: int = Field(
        default=30,
        gt=0,
        description="Days a recipient has to certify destruction of recalled records.",
    )
    review_threshold: float = Field(
        default=0.95, gt=0.0, le=1.0, description="Between this and disclosure: review queue."
    )
    ambiguity_margin_bits: float = Field(
        default=6.0,
        gt=0.0,
        description="A second plausible candidate within this many bits of match weight of "
        "the best: ambiguous, not disclosed.",
    )
    session_minutes: int = Field(
        default=480,
        gt=0,
        le=7 * 24 * 60,
        description="Minutes a web sign-in lasts before the browser must sign in again.",
    )
    signin_failures_allowed: int = Field(
        default=10,
        gt=0,
        description="Failed sign-ins one client address may make in signin_window_minutes.",
    )
    signin_window_minutes: int = Field(
        default=15, gt=0, description="The window over which failed sign-ins are counted."
    )
    trusted_proxies: tuple[str, ...] = Field(
        default=(),
        description="Addresses or networks (CIDR) of proxies whose X-Forwarded-For is believed.",
    )
    submitted_at_max_age_hours: int = Field(
        default=168,
        gt=0,
        description="Oldest a batch's submitted_at may be when the service receives it.",
    )
    submitted_at_max_skew_minutes: int = Field(
        default=10,
        ge=0,
        description="How far in the future a batch's submitted_at may be (clock skew).",
    )

    @field_validator("statute_allow_list", "trusted_proxies", mode="before")
    @classmethod
    def _split_statutes(cls, value: Any) -> Any:
        # From the environment a list arrives as one string: items separated by ';'.
        if isinstance(value, str):
            return tuple(s.strip() for s in value.split(";") if s.strip())
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_networks(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for item in value:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(
                    f"{item!r} is not an IP address or network such as 10.0.0.0/8"
                ) from None
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],  # noqa: ARG003 - signature fixed by pydantic-settings
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,  # noqa: ARG003
        file_secret_settings: PydanticBaseSettingsSource,  # noqa: ARG003
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # No .env or secrets directory: settings come from ivs.toml (merged by load_settings)
        # and the environment only, so what governs a decision is visible in one place.
        return (init_settings, env_settings)


def load_settings(**overrides: Any) -> Settings:
    """Defaults, then ``$IVS_HOME/ivs.toml``, then ``IVS_*`` variables, then ``overrides``."""
    home = Path(overrides.get("home") or ivs_home())
    from_file: dict[str, Any] = {}
    path = home / SETTINGS_FILE
    if path.exists():
        try:
            from_file = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise ConfigError(f"{path}: not valid TOML ({e}). Fix or remove the file.") from e
    env_keys = {k[4:].lower() for k in os.environ if k.startswith("IVS_")}
    # Environment wins over the file: drop file keys that the environment sets.
    merged = {k: v for k, v in from_file.items() if k not in env_keys}
    merged.update(overrides)
    merged.setdefault("home", home)
    try:
        settings = Settings(**merged)
    except ValidationError as e:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in e.errors()
        )
        raise ConfigError(
            f"invalid settings ({problems}). Check IVS_* environment variables and {path}."
        ) from e
    if settings.review_threshold > settings.disclosure_threshold:
        raise ConfigError(
            f"review_threshold ({settings.review_threshold}) is above disclosure_threshold "
            f"({settings.disclosure_threshold}); the review band must lie below disclosure."
        )
    return settings
