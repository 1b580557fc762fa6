"""Crawl runner: runs the generic spider for a set of outlets in one Scrapy process (live,
replaying a WARC, or against a loopback origin) and returns the runs it recorded. The
scheduler runs each crawl as its own process (``monitor crawl``), since Twisted's reactor
cannot be restarted inside one."""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from monitor.archive import ArchiveError
from monitor.config import Settings
from monitor.db import make_engine, migrate
from monitor.registry import Registry
from monitor.repository import Repository
from monitor.transport import download_handlers


@dataclass(frozen=True)
class CrawlRequest:
    outlets: Sequence[str]
    lang: str = ""
    sources: Sequence[str] = ()
    since: date | None = None
    until: date | None = None
    mode: str = ""


def scrapy_settings(cfg: Settings, log_level: str = "WARNING"):  # type: ignore[no-untyped-def]
    """Scrapy settings from the project module, overridden by ``cfg`` (the one config)."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "monitor.settings")
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    replay = [str(p) for p in cfg.replay]
    overrides: dict[str, object] = {
        "MONITOR_DATABASE_URL": cfg.database_url,
        "MONITOR_WARC_DIR": str(cfg.warc_dir),
        "MONITOR_ARCHIVE": cfg.archive,
        "MONITOR_REPLAY": replay,
        "MONITOR_ORIGIN_OVERRIDE": cfg.origin_override,
        "DOWNLOAD_HANDLERS": download_handlers(replay, cfg.origin_override),
        "USER_AGENT": cfg.user_agent,
        "CONCURRENT_REQUESTS_PER_DOMAIN": cfg.concurrent_per_domain,
        "DOWNLOAD_DELAY": cfg.download_delay,
        "AUTOTHROTTLE_START_DELAY": cfg.download_delay,
        "DOWNLOAD_TIMEOUT": cfg.download_timeout,
        "DOWNLOAD_MAXSIZE": cfg.max_page_bytes,
        "LOG_LEVEL": log_level,
    }
    if replay:
        # Nobody to be polite to when reading our own archive: replay at full speed.
        overrides.update(DOWNLOAD_DELAY=0, AUTOTHROTTLE_ENABLED=False,
                         CONCURRENT_REQUESTS_PER_DOMAIN=8, DOWNLOAD_DELAY_JITTER=0)
    settings.setdict(overrides, priority="cmdline")
    return settings


def run_crawl(cfg: Settings, registry: Registry, request: CrawlRequest,
              log_level: str = "WARNING") -> str:
    """Crawl the requested outlets; returns the run key shared by their crawl_runs rows.
    Blocked or paused outlets are not contacted; their run is recorded with the reason."""
    from scrapy.crawler import CrawlerProcess

    from spiders.outlet import OutletSpider

    for key in request.outlets:
        registry.get(key)  # unknown keys fail before anything starts
    for path in cfg.replay:
        if not path.is_file():
            raise ArchiveError(f"replay archive {path} does not exist; build one with "
                               "`monitor snapshot build` or name an existing WARC")
    repository = Repository(make_engine(cfg.database_url))
    migrate(repository.engine)
    repository.sync_outlets(registry)
    run_key = uuid.uuid4().hex
    mode = request.mode or ("replay" if cfg.replay else "live")
    process = CrawlerProcess(scrapy_settings(cfg, log_level))
    logging.getLogger("scrapy").setLevel(log_level)
    started = 0
    for key in request.outlets:
        outlet = registry.get(key)
        if not outlet.crawlable:
            repository.record_skipped_run(key, run_key=run_key, mode=mode,
                                          status=outlet.status, message=outlet.status_reason)
            continue
        process.crawl(
            OutletSpider, outlet=key, lang=request.lang, run_key=run_key, mode=mode,
            sources=",".join(request.sources), since=request.since.isoformat() if request.since else "",
            until=request.until.isoformat() if request.until else "",
        )
        started += 1
    if started:
        process.start()
    return run_key
