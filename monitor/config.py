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
        return float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number") from None


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
    replay: tuple[Path, ...] = field(default_factory=tuple)
    origin_override: str = ""  # http://127.0.0.1:PORT: fetch every URL from this server
    redis_url: str = ""
    timezone: str = "Asia/Almaty"

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
            replay=replay,
            origin_override=env.get("MONITOR_ORIGIN_OVERRIDE", ""),
            redis_url=env.get("MONITOR_REDIS_URL", ""),
            timezone=env.get("MONITOR_TIMEZONE") or "Asia/Almaty",
        )
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]

    def redacted_database_url(self) -> str:
        """The database URL with any password masked, for messages and logs."""
        from sqlalchemy.engine import make_url

        try:
            return make_url(self.database_url).render_as_string(hide_password=True)
        except Exception:  # noqa: BLE001 - an unparsable URL is shown without its userinfo
            return self.database_url.split("@")[-1]
