"""Scrapy item pipelines: thin adapters, in data-flow order, over the plain stage functions
(``monitor.process`` and ``monitor.repository``); no logic of their own beyond counting."""

from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from monitor.counters import count
from monitor.extract import Skip
from monitor.items import PageItem
from monitor.process import process_page

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
        item.processed = result
        return item


class StorePipeline(_Component):
    """dedupe + store (monitor.repository.Repository.store_article)."""

    def process_item(self, item: PageItem) -> PageItem:
        assert item.processed is not None, "ProcessPipeline must run first"
        spider = self.spider
        result = spider.repository.store_article(
            item.processed, outlet_id=spider.outlet_id, run_id=spider.run_id
        )
        count(self.crawler.stats, item.lang, {"new": "articles_new", "seen": "articles_seen",
                                              "duplicate": "articles_duplicate"}[result.status])
        if result.status == "new":
            decision = item.processed.decision
            if decision.relevant:
                count(self.crawler.stats, item.lang, "articles_relevant")
            if result.duplicate_kind:
                count(self.crawler.stats, item.lang, f"syndicated_{result.duplicate_kind}")
        return item
