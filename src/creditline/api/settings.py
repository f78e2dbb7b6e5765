"""How the HTTP entrypoint is configured: database, relying party, limits, environment.

Read from `creditline serve` options and `CREDITLINE_*` environment variables. The development
conveniences — plain-http origins other than localhost, the dev token bootstrap — are refused
when `environment` is production, so a production deployment cannot switch them on by accident.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

from creditline.errors import DomainError

PRODUCTION = "production"
DEVELOPMENT = "development"
ENVIRONMENTS = (PRODUCTION, DEVELOPMENT)
METRICS_TOKEN_MIN = 16


class SettingsInvalid(DomainError):
    code = "settings_invalid"


@dataclass(frozen=True, slots=True)
class ApiSettings:
    db_url: str | None = None
    environment: str = DEVELOPMENT
    rp_id: str = "localhost"
    rp_name: str = "creditline"
    origins: tuple[str, ...] = ("http://localhost:8000", "http://127.0.0.1:8000", "http://localhost")
    dev_bootstrap: bool = False  # print an admin token on start (development only)
    body_bytes_max: int = 64 * 1024
    page_size_max: int = 100
    rate_per_s: float = 50.0  # per client: token bucket refill
    rate_burst: int = 100
    session_lifetime_s: int = 12 * 3600
    session_idle_s: int = 30 * 60
    access_log: bool = True
    repayment_batching: bool = True  # group commit of concurrent repayments (CREDITLINE_REPAYMENT_BATCHING=0: off)
    trusted_hosts: tuple[str, ...] = field(default_factory=tuple)
    # /metrics asks for `Authorization: Bearer <this>` when set; unset, it is open in development and
    # off in production (a scrape of it tells an outsider the book's traffic by route)
    metrics_token: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.environment not in ENVIRONMENTS:
            raise SettingsInvalid(f"choose one of {', '.join(ENVIRONMENTS)}", field="environment")
        if not self.origins:
            raise SettingsInvalid("at least one origin", field="origins")
        if self.environment == PRODUCTION:
            if self.dev_bootstrap:
                raise SettingsInvalid("the dev token bootstrap cannot run in production", field="dev")
            insecure = [o for o in self.origins if urlsplit(o).scheme != "https"]
            if insecure:
                raise SettingsInvalid(f"production origins must be https: {', '.join(insecure)}", field="origins")
        if not math.isfinite(self.rate_per_s) or self.rate_per_s <= 0:
            raise SettingsInvalid("requests per second: a positive finite number", field="rate_per_s")
        if self.body_bytes_max < 1024 or self.page_size_max < 1 or self.rate_burst < 1:
            raise SettingsInvalid("limits must be positive (bodies at least 1 KiB)", field="limits")
        token = self.metrics_token
        if token is not None and (len(token) < METRICS_TOKEN_MIN or not (token.isascii() and token.isprintable()) or " " in token):
            raise SettingsInvalid(
                f"CREDITLINE_METRICS_TOKEN: at least {METRICS_TOKEN_MIN} printable ASCII characters, no spaces",
                field="metrics_token",
            )

    @property
    def https(self) -> bool:
        return all(urlsplit(o).scheme == "https" for o in self.origins)

    def with_changes(self, **changes: object) -> ApiSettings:
        return replace(self, **changes)  # type: ignore[arg-type]


def from_environment(environ: dict[str, str] | None = None, **overrides: object) -> ApiSettings:
    """Settings from `CREDITLINE_*` variables, then explicit overrides (command-line options)."""
    env = dict(os.environ if environ is None else environ)
    values: dict[str, object] = {}
    if env.get("CREDITLINE_DB"):
        values["db_url"] = env["CREDITLINE_DB"]
    if env.get("CREDITLINE_ENV"):
        values["environment"] = env["CREDITLINE_ENV"]
    if env.get("CREDITLINE_RP_ID"):
        values["rp_id"] = env["CREDITLINE_RP_ID"]
    if env.get("CREDITLINE_ORIGINS"):
        values["origins"] = tuple(o.strip() for o in env["CREDITLINE_ORIGINS"].split(",") if o.strip())
    for name, key, cast in (
        ("rate_per_s", "CREDITLINE_RATE_PER_S", float),
        ("rate_burst", "CREDITLINE_RATE_BURST", int),
        ("body_bytes_max", "CREDITLINE_BODY_BYTES_MAX", int),
    ):
        if env.get(key):
            try:
                values[name] = cast(env[key])
            except ValueError:
                raise SettingsInvalid(f"{key} must be a number", field=name) from None
    if env.get("CREDITLINE_ACCESS_LOG") == "0":
        values["access_log"] = False
    if env.get("CREDITLINE_REPAYMENT_BATCHING") == "0":
        values["repayment_batching"] = False
    if env.get("CREDITLINE_METRICS_TOKEN"):
        values["metrics_token"] = env["CREDITLINE_METRICS_TOKEN"]
    values.update({k: v for k, v in overrides.items() if v is not None})
    settings = ApiSettings(**values)  # type: ignore[arg-type]
    _check_pii_salt(settings, env)
    return settings


def _check_pii_salt(settings: ApiSettings, env: dict[str, str]) -> None:
    """Production needs a PII salt of its own: with the repository's development salt, borrower ids and
    fraud-signal keys are hashes anyone holding the code can recompute from an ID number or phone."""
    from creditline.app.apply_setup import SALT_DEV, SALT_ENV

    salt = env.get(SALT_ENV, "")
    if settings.environment == PRODUCTION and (not salt or salt.encode() == SALT_DEV or len(salt) < 16):
        raise SettingsInvalid(
            f"production needs {SALT_ENV}: a secret of at least 16 characters of its own (not the development salt)",
            field=SALT_ENV,
        )
