"""Scrapy item pipelines: thin adapters, in data-flow order, over the plain stage functions
(``monitor.process`` and ``monitor.repository``); no logic of their own beyond counting."""

from __future__ import annotations

import logging
import time

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from sqlalchemy.exc import DBAPIError
from twisted.internet import defer, task

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
            settle = getattr(self.spider, "settle_redirect", None)
            if settle is not None:
                settle(page.url)
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
    """dedupe + store (monitor.repository.Repository.store_articles), a few articles per
    transaction: up to MONITOR_STORE_BATCH articles, none waiting longer than
    MONITOR_STORE_BATCH_SECONDS. One commit per article cost a crawl's store stage a
    third of its time (bench/pipeline_benchmark.py). An article waiting in a batch is not
    stored, so a crawl killed meanwhile fetches it again on its next run (the link it came
    through is marked "redirected" only after it is stored: spider.settle_redirect).
    Crawlers sharing one database through Redis store one article per transaction, so two
    of them never hold each other's rows of the daily counts (article_day_counts)."""

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        settings = crawler.settings
        self.batch_size = 1 if settings.get("REDIS_URL") else max(
            1, settings.getint("MONITOR_STORE_BATCH", 50))
        self.batch_seconds = settings.getfloat("MONITOR_STORE_BATCH_SECONDS", 1.0)
        self._pending: list[PageItem] = []
        self._oldest = 0.0
        self._timer: task.LoopingCall | None = None
        # Batches the timer is storing. Their items left process_item already, so Scrapy
        # does not wait for them: close_spider does, or a batch waiting out a database
        # outage at the crawl's end would be dropped unstored.
        self._inflight: set[defer.Deferred] = set()

    def open_spider(self) -> None:
        if self.batch_size > 1:
            self._timer = task.LoopingCall(self._flush_aged)
            self._timer.start(self.batch_seconds, now=False)

    async def close_spider(self) -> None:
        if self._timer is not None and self._timer.running:
            self._timer.stop()
        await self.flush()
        while self._inflight:
            await maybe_deferred_to_future(next(iter(self._inflight)))

    async def process_item(self, item: PageItem) -> PageItem:
        assert item.processed is not None, "ProcessPipeline must run first"
        if not self._pending:
            self._oldest = time.monotonic()
        self._pending.append(item)
        if len(self._pending) >= self.batch_size or self._aged():
            await self.flush()
        return item

    def _aged(self) -> bool:
        return bool(self._pending) and time.monotonic() - self._oldest >= self.batch_seconds

    def _flush_aged(self):  # type: ignore[no-untyped-def]
        """Timer: a batch that waited long enough is stored even while no item arrives."""
        if not self._aged():
            return None
        flushing = deferred_from_coro(self.flush())
        self._inflight.add(flushing)

        def done(result):  # type: ignore[no-untyped-def]
            self._inflight.discard(flushing)
            return result

        return flushing.addBoth(done)

    async def flush(self) -> None:
        """Store the waiting articles (one transaction) and count what became of each."""
        items, self._pending = self._pending, []
        if not items:
            return
        results = await self._store(items)
        if results is None:
            return
        stats = self.crawler.stats
        for item, result in zip(items, results, strict=True):
            count(stats, item.lang, {"new": "articles_new", "seen": "articles_seen",
                                     "duplicate": "articles_duplicate"}[result.status])
            if result.status == "new":
                if item.processed is not None and item.processed.decision.relevant:
                    count(stats, item.lang, "articles_relevant")
                if result.duplicate_kind:
                    count(stats, item.lang, f"syndicated_{result.duplicate_kind}")
            settle = getattr(self.spider, "settle_redirect", None)
            if settle is not None:
                settle(item.page.url)

    async def _store(self, items: list[PageItem]) -> list[StoreResult] | None:
        """Store, waiting (up to MONITOR_DB_RETRY_SECONDS) while the database is away:
        restarting, fail-over, locked. A database that cannot be written stops the crawl;
        then (None) the articles are not stored, and the next crawl fetches them again."""
        spider = self.spider
        patience = self.crawler.settings.getfloat("MONITOR_DB_RETRY_SECONDS", 300.0)
        waited, delay = 0.0, 0.5
        processed = [item.processed for item in items if item.processed is not None]
        while True:
            try:
                return spider.repository.store_articles(
                    processed, outlet_id=spider.outlet_id, run_id=spider.run_id
                )
            except DBAPIError as exc:
                fault = storage_fault(exc)
                reason = " ".join(str(exc.orig).split())
                if fault == "unavailable" and waited < patience:
                    for item in items:
                        count(self.crawler.stats, item.lang, "store_retries")
                    log.warning("database unavailable (%s); storing %s again in %.1f s",
                                reason, _pages(items), delay)
                    await sleep(delay)
                    waited, delay = waited + delay, min(delay * 2, 10.0)
                    continue
                if fault is None:
                    raise
                for item in items:
                    count(self.crawler.stats, item.lang, "store_failed")
                stop_crawl(self.crawler, f"the database cannot be written ({reason})"
                           if fault == "unwritable" else
                           f"the database stayed unavailable for {waited:.0f} s ({reason})")
                log.info("%s not stored: %s", _pages(items), reason)
                return None


def _pages(items: list[PageItem]) -> str:
    first = items[0].page.url
    return first if len(items) == 1 else f"{first} and {len(items) - 1} more articles"
