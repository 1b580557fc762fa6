"""Configuration: one typed settings object, read from the environment and passed in.

Every setting has an environment variable (documented in deploy/monitor.env.example);
secrets are read only from the environment and never logged."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_DATA_DIR = Path("data")


class ConfigError(ValueError):
    """A setting has a value the monitor cannot use; the message says which and how to fix."""


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number") from None
    if value < minimum:
        raise ConfigError(f"{name}={value} must be at least {minimum}")
    return value


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number") from None
    if not 0 <= value < float("inf"):  # also refuses nan
        raise ConfigError(f"{name}={raw!r} must be a number of seconds, 0 or more")
    return value


@dataclass(frozen=True)
class Settings:
    data_dir: Path = DEFAULT_DATA_DIR
    database_url: str = ""
    contact: str = "https://github.com/kz-china-monitor (monitor@example.org)"
    user_agent: str = ""
    warc_dir: Path | None = None
    archive: bool = True
    concurrent_per_domain: int = 2
    download_delay: float = 1.0
    download_timeout: int = 30
    max_page_bytes: int = 5 * 1024 * 1024
    retry_backoff_base: float = 2.0  # seconds before the first retry, doubled each time
    retry_backoff_max: float = 120.0  # longest wait between two retries
    retry_after_max: float = 120.0  # a longer Retry-After is not waited for (counted)
    db_retry_seconds: float = 300.0  # how long a crawl waits for its database to come back
    replay: tuple[Path, ...] = field(default_factory=tuple)
    origin_override: str = ""  # http://127.0.0.1:PORT: fetch every URL from this server
    redis_url: str = ""
    timezone: str = "Asia/Almaty"
    # --- reports: weekly digest by email, schedule (docs/deploy.md)
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = field(default="", repr=False)  # environment only, never printed
    smtp_starttls: bool = True
    smtp_timeout: int = 60
    digest_from: str = ""
    digest_to: tuple[str, ...] = field(default_factory=tuple)
    digest_top: int = 5  # top stories per topic
    nightly_at: str = "02:30"  # HH:MM in the time zone
    digest_at: str = "mon 07:30"  # DAY HH:MM in the time zone
    crawl_time_limit: int = 3 * 3600  # seconds one outlet's nightly crawl may take
    nightly_parallel: int = 3  # outlets crawled at once by `monitor nightly`

    def __post_init__(self) -> None:
        if not self.database_url:
            url = f"sqlite:///{(self.data_dir / 'monitor.sqlite3').as_posix()}"
            object.__setattr__(self, "database_url", url)
        if self.warc_dir is None:
            object.__setattr__(self, "warc_dir", self.data_dir / "warc")
        if not self.user_agent:
            ua = f"KZChinaMonitor/0.1 (+{self.contact}; research media monitor)"
            object.__setattr__(self, "user_agent", ua)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        env = os.environ if env is None else env
        data_dir = Path(env.get("MONITOR_DATA_DIR") or DEFAULT_DATA_DIR)
        replay = tuple(Path(p) for p in (env.get("MONITOR_REPLAY") or "").split(os.pathsep) if p)
        values: dict[str, object] = dict(
            data_dir=data_dir,
            database_url=env.get("DATABASE_URL", ""),
            contact=env.get("MONITOR_CONTACT") or cls.contact,
            user_agent=env.get("MONITOR_USER_AGENT", ""),
            warc_dir=Path(env["MONITOR_WARC_DIR"]) if env.get("MONITOR_WARC_DIR") else None,
            archive=(env.get("MONITOR_ARCHIVE", "1") not in ("0", "false", "no")),
            concurrent_per_domain=_int(env, "MONITOR_CONCURRENT_PER_DOMAIN", 2, 1),
            download_delay=_float(env, "MONITOR_DOWNLOAD_DELAY", 1.0),
            download_timeout=_int(env, "MONITOR_DOWNLOAD_TIMEOUT", 30, 1),
            max_page_bytes=_int(env, "MONITOR_MAX_PAGE_BYTES", 5 * 1024 * 1024, 1024),
            retry_backoff_base=_float(env, "MONITOR_RETRY_BACKOFF_BASE", 2.0),
            retry_backoff_max=_float(env, "MONITOR_RETRY_BACKOFF_MAX", 120.0),
            retry_after_max=_float(env, "MONITOR_RETRY_AFTER_MAX", 120.0),
            db_retry_seconds=_float(env, "MONITOR_DB_RETRY_SECONDS", 300.0),
            replay=replay,
            origin_override=env.get("MONITOR_ORIGIN_OVERRIDE", ""),
            redis_url=env.get("MONITOR_REDIS_URL", ""),
            timezone=env.get("MONITOR_TIMEZONE") or "Asia/Almaty",
            smtp_host=env.get("MONITOR_SMTP_HOST", ""),
            smtp_port=_int(env, "MONITOR_SMTP_PORT", 587, 1),
            smtp_user=env.get("MONITOR_SMTP_USER", ""),
            smtp_password=env.get("MONITOR_SMTP_PASSWORD", ""),
            smtp_starttls=(env.get("MONITOR_SMTP_STARTTLS", "1") not in ("0", "false", "no")),
            smtp_timeout=_int(env, "MONITOR_SMTP_TIMEOUT", 60, 1),
            digest_from=env.get("MONITOR_DIGEST_FROM", ""),
            digest_to=tuple(a.strip() for a in (env.get("MONITOR_DIGEST_TO") or "").split(",")
                            if a.strip()),
            digest_top=_int(env, "MONITOR_DIGEST_TOP", 5, 1),
            nightly_at=env.get("MONITOR_NIGHTLY_AT") or "02:30",
            digest_at=env.get("MONITOR_DIGEST_AT") or "mon 07:30",
            crawl_time_limit=_int(env, "MONITOR_CRAWL_TIME_LIMIT", 3 * 3600, 60),
            nightly_parallel=_int(env, "MONITOR_NIGHTLY_PARALLEL", 3, 1),
        )
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]

    def zone(self):  # type: ignore[no-untyped-def]
        """The report and schedule time zone (a ZoneInfo), or ConfigError."""
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            return ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"MONITOR_TIMEZONE={self.timezone!r} is not a time zone name; "
                              "use an IANA name such as Asia/Almaty or UTC") from None

    def redacted_database_url(self) -> str:
        """The database URL with any password masked, for messages and logs."""
        from sqlalchemy.engine import make_url

        try:
            return make_url(self.database_url).render_as_string(hide_password=True)
        except Exception:  # noqa: BLE001 - an unparsable URL is shown without its userinfo
            return self.database_url.split("@")[-1]
