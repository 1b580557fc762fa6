"""Crawl-run recorder: one ``crawl_runs`` row per crawl of an outlet, opened when the spider
opens and closed with its totals and per-language counters when it closes."""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.crawler import Crawler
from sqlalchemy.exc import DBAPIError

from monitor.counters import split_counters, total
from monitor.pipelines import EXPECTED_SKIPS
from monitor.repository import storage_fault

log = logging.getLogger(__name__)

# Scrapy's own stats worth keeping per run, under a plain name.
SCRAPY_STATS = {
    "robotstxt/forbidden": "robots_forbidden",
    "retry/count": "retries",
    "retry/max_reached": "retries_exhausted",
    "offsite/filtered": "offsite_filtered",
    "httperror/response_ignored_count": "http_errors",
    "log_count/ERROR": "log_errors",
    "downloader/response_bytes": "response_bytes",
}


class CrawlRunRecorder:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        crawler.signals.connect(self.opened, signal=signals.spider_opened)
        crawler.signals.connect(self.closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlRunRecorder:
        return cls(crawler)

    def opened(self, spider) -> None:  # type: ignore[no-untyped-def]
        spider.run_id = spider.repository.start_run(
            spider.outlet_key, run_key=spider.run_key, mode=spider.mode, lang=spider.lang or None
        )

    def closed(self, spider, reason: str) -> None:  # type: ignore[no-untyped-def]
        stats = self.crawler.stats.get_stats()
        counters = split_counters(stats)
        for name, plain in SCRAPY_STATS.items():
            if stats.get(name):
                counters[("", plain)] = int(stats[name])
        skips = sum(v for (_, n), v in counters.items()
                    if n.startswith("skip_") and n[5:] not in EXPECTED_SKIPS)
        totals = {
            "requests": int(stats.get("downloader/request_count", 0)),
            "responses": int(stats.get("downloader/response_count", 0)),
            "articles_new": total(counters, "articles_new"),
            "articles_seen": total(counters, "articles_seen"),
            "articles_duplicate": total(counters, "articles_duplicate"),
            "extract_failed": skips,
            "errors": int(stats.get("log_count/ERROR", 0))
            + sum(v for (_, n), v in counters.items() if n.startswith("error_")),
        }
        status = "finished" if reason == "finished" else reason
        try:
            spider.repository.finish_run(spider.run_id, status=status, totals=totals,
                                         counters=counters)
        except DBAPIError as exc:
            if storage_fault(exc) is None:
                raise
            # The run stays 'running'; the next crawl marks it 'interrupted'.
            log.error("run %s of %s not closed: %s", spider.run_id, spider.outlet_key, exc.orig)
            return
        log.info("run %s of %s: %s", spider.run_id, spider.outlet_key, totals)
