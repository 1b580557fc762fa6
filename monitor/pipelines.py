"""Scrapy item pipelines: thin adapters, in data-flow order, over the plain stage functions
(``monitor.process`` and ``monitor.repository``); no logic of their own beyond counting."""

from __future__ import annotations

import logging

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from sqlalchemy.exc import DBAPIError

from monitor.counters import count
from monitor.crawl import stop_crawl
from monitor.extract import Skip
from monitor.items import PageItem
from monitor.middlewares import sleep
from monitor.process import analyze, process_page
from monitor.repository import StoreResult, storage_fault

log = logging.getLogger(__name__)

# Skip reasons that mean "not an article" rather than "extraction failed".
EXPECTED_SKIPS = frozenset({"not_article", "listing"})


class _Component:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler):  # type: ignore[no-untyped-def]
        return cls(crawler)

    @property
    def spider(self):  # type: ignore[no-untyped-def]
        return self.crawler.spider


class ProcessPipeline(_Component):
    """extract -> language -> classify -> fingerprint (monitor.process.process_page)."""

    def open_spider(self) -> None:
        # Load the language and classifier resources (seconds) when the first article request
        # is scheduled, before it is sent: on the first page they would stall the reactor
        # with downloads in flight. A crawl that finds nothing new never loads them.
        self.crawler.signals.connect(self._warm_up, signal=signals.request_scheduled)

    def _warm_up(self, request: Request) -> None:
        if request.meta.get("kind") == "article":
            self.crawler.signals.disconnect(self._warm_up, signal=signals.request_scheduled)
            analyze("", "warm-up", ())

    def process_item(self, item: PageItem) -> PageItem:
        result = process_page(item.page, self.spider.outlet)
        if isinstance(result, Skip):
            count(self.crawler.stats, item.lang, f"skip_{result.reason}")
            page = item.page
            self.spider.repository.record_skip(
                page.url, outlet_id=self.spider.outlet_id, reason=result.reason,
                detail=result.detail, warc_file=page.warc_file, warc_offset=page.warc_offset,
            )
            if result.reason not in EXPECTED_SKIPS:
                count(self.crawler.stats, item.lang, "extract_failed")
            raise DropItem(f"{item.page.url}: {result.reason} {result.detail}".strip(),
                           log_level="INFO")
        for warning in result.extracted.warnings:
            count(self.crawler.stats, item.lang, warning)
        # Health counters (monitor/health.py): pages extracted, and which had empty fields.
        count(self.crawler.stats, item.lang, "extracted")
        if not result.extracted.title.strip():
            count(self.crawler.stats, item.lang, "empty_title")
        if not result.extracted.author:
            count(self.crawler.stats, item.lang, "empty_author")
        item.processed = result
        return item


class StorePipeline(_Component):
    """dedupe + store (monitor.repository.Repository.store_article)."""

    async def process_item(self, item: PageItem) -> PageItem:
        assert item.processed is not None, "ProcessPipeline must run first"
        result = await self._store(item)
        count(self.crawler.stats, item.lang, {"new": "articles_new", "seen": "articles_seen",
                                              "duplicate": "articles_duplicate"}[result.status])
        if result.status == "new":
            decision = item.processed.decision
            if decision.relevant:
                count(self.crawler.stats, item.lang, "articles_relevant")
            if result.duplicate_kind:
                count(self.crawler.stats, item.lang, f"syndicated_{result.duplicate_kind}")
        return item

    async def _store(self, item: PageItem) -> StoreResult:
        """Store, waiting (up to MONITOR_DB_RETRY_SECONDS) while the database is away:
        restarting, fail-over, locked. A database that cannot be written stops the crawl."""
        spider = self.spider
        patience = self.crawler.settings.getfloat("MONITOR_DB_RETRY_SECONDS", 300.0)
        waited, delay = 0.0, 0.5
        while True:
            try:
                return spider.repository.store_article(
                    item.processed, outlet_id=spider.outlet_id, run_id=spider.run_id
                )
            except DBAPIError as exc:
                fault = storage_fault(exc)
                reason = " ".join(str(exc.orig).split())
                if fault == "unavailable" and waited < patience:
                    count(self.crawler.stats, item.lang, "store_retries")
                    log.warning("database unavailable (%s); storing %s again in %.1f s",
                                reason, item.page.url, delay)
                    await sleep(delay)
                    waited, delay = waited + delay, min(delay * 2, 10.0)
                    continue
                if fault is None:
                    raise
                count(self.crawler.stats, item.lang, "store_failed")
                stop_crawl(self.crawler, f"the database cannot be written ({reason})"
                           if fault == "unwritable" else
                           f"the database stayed unavailable for {waited:.0f} s ({reason})")
                raise DropItem(f"{item.page.url}: not stored, {reason}", log_level="INFO") from None
