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
from monitor.db import DatabaseError, make_engine, migrate
from monitor.registry import Registry
from monitor.repository import Repository
from monitor.transport import download_handlers

SOURCES = ("feeds", "sitemaps", "listings")
# Stat that holds why a crawl was stopped early (storage it cannot write); see stop_crawl.
FATAL_STAT = "monitor_fatal"


class CrawlError(ValueError):
    """A crawl request that cannot be carried out as asked; the message says how to fix it."""


def stop_crawl(crawler, message: str) -> None:  # type: ignore[no-untyped-def]
    """Stop a crawl at once for a reason that no retry can fix (the database or the archive
    cannot be written). What is stored stays; ``run_crawl`` raises ``message`` as one
    clear error once Scrapy has shut down, so the command exits non-zero."""
    if crawler.stats.get_value(FATAL_STAT):
        return
    crawler.stats.set_value(FATAL_STAT, message)
    logging.getLogger(__name__).error("stopping the crawl: %s", message)
    if crawler.engine is not None and crawler.engine.spider is not None:
        from scrapy.utils.defer import deferred_from_coro

        deferred_from_coro(crawler.engine.close_spider_async(reason="storage_error"))


def check_request(registry: Registry, request: CrawlRequest) -> list[str]:
    """The outlet keys to crawl; unknown outlets, languages or sources fail before anything
    starts. With --lang, outlets without that edition are left out (an error if all are)."""
    keys = [registry.get(key).key for key in request.outlets]  # raises UnknownOutlet
    unknown = sorted(set(request.sources) - set(SOURCES))
    if unknown:
        raise CrawlError(f"unknown source(s) {', '.join(unknown)}; use a comma list of "
                         f"{','.join(SOURCES)}")
    if request.since and request.until and request.since > request.until:
        raise CrawlError(f"--since {request.since} is after --until {request.until}; "
                         "swap them")
    if request.lang:
        having = [k for k in keys if request.lang in registry.get(k).languages]
        if not having:
            langs = sorted({lang for k in keys for lang in registry.get(k).languages})
            raise CrawlError(f"no outlet asked for has a {request.lang!r} edition; "
                             f"their languages: {', '.join(langs)}")
        keys = having
    return keys


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
        "MONITOR_RETRY_BACKOFF_BASE": cfg.retry_backoff_base,
        "MONITOR_RETRY_BACKOFF_MAX": cfg.retry_backoff_max,
        "MONITOR_RETRY_AFTER_MAX": cfg.retry_after_max,
        "MONITOR_DB_RETRY_SECONDS": cfg.db_retry_seconds,
        "LOG_LEVEL": log_level,
    }
    if replay:
        # Nobody to be polite to when reading our own archive: replay at full speed.
        overrides.update(DOWNLOAD_DELAY=0, AUTOTHROTTLE_ENABLED=False,
                         CONCURRENT_REQUESTS_PER_DOMAIN=8, DOWNLOAD_DELAY_JITTER=0)
    # MONITOR_REDIS_URL: one shared queue and duplicate filter in Redis (monitor/distributed.py).
    from monitor.distributed import scrapy_overrides

    overrides.update(scrapy_overrides(cfg))
    settings.setdict(overrides, priority="cmdline")
    return settings


def prepare_process(cfg: Settings, registry: Registry, log_level: str):  # type: ignore[no-untyped-def]
    """What every crawl needs before its reactor starts: the replay archives exist, the
    schema is current, the outlets table matches the registry, and a configured Scrapy
    process. Returns (repository, process)."""
    from scrapy.crawler import CrawlerProcess

    for path in cfg.replay:
        if not path.is_file():
            raise ArchiveError(f"replay archive {path} does not exist; build one with "
                               "`monitor snapshot build` or name an existing WARC")
    repository = Repository(make_engine(cfg.database_url))
    migrate(repository.engine)
    repository.sync_outlets(registry)
    process = CrawlerProcess(scrapy_settings(cfg, log_level))
    logging.getLogger("scrapy").setLevel(log_level)
    # Scrapy's root handler filters by level, so below it every debug call of the
    # extractor still built a log record per page: the libraries' loggers get the level too.
    for library in ("trafilatura", "htmldate", "courlan", "justext"):
        logging.getLogger(library).setLevel(log_level)
    return repository, process


def run_crawl(cfg: Settings, registry: Registry, request: CrawlRequest,
              log_level: str = "WARNING") -> str:
    """Crawl the requested outlets; returns the run key shared by their crawl_runs rows.
    Blocked or paused outlets are not contacted; their run is recorded with the reason."""
    from spiders.outlet import OutletSpider

    keys = check_request(registry, request)
    repository, process = prepare_process(cfg, registry, log_level)
    run_key = uuid.uuid4().hex
    mode = request.mode or ("replay" if cfg.replay else "live")
    crawlers = []
    for key in keys:
        outlet = registry.get(key)
        if not outlet.crawlable:
            repository.record_skipped_run(key, run_key=run_key, mode=mode,
                                          status=outlet.status, message=outlet.status_reason)
            continue
        crawlers.append(crawler := process.create_crawler(OutletSpider))
        process.crawl(
            crawler, outlet=key, lang=request.lang, run_key=run_key, mode=mode,
            sources=",".join(request.sources), since=request.since.isoformat() if request.since else "",
            until=request.until.isoformat() if request.until else "",
        )
    if crawlers:
        process.start()
    fatal = next((c.stats.get_value(FATAL_STAT) for c in crawlers
                  if c.stats.get_value(FATAL_STAT)), None)
    if any(c.stats.get_value("finish_reason") is None for c in crawlers) and not fatal:
        raise CrawlError("a crawl did not start or did not finish; run again with "
                         "--log-level INFO and see the first error in the log")
    if fatal:
        raise DatabaseError(f"the crawl stopped: {fatal}. Free disk space or make the database "
                            "writable, then run it again: what is stored stays, the rest is "
                            "fetched again")
    return run_key
