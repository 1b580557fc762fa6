"""Downloader middlewares: retries with exponential backoff that honour Retry-After,
per-edition health counters (requests, responses by status, blocked pages), and the WARC
archive of every raw response."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.response import response_status_message
from twisted.internet import reactor, task

from monitor.archive import WarcArchive
from monitor.counters import count

BLOCK_STATUSES = {401, 403, 451}
# Anti-bot interstitials: Cloudflare, DDoS-Guard, DataDome, generic browser checks.
CHALLENGE_MARKERS = re.compile(
    rb"cf-chl-|challenge-platform|Just a moment\.\.\.|Checking your browser|ddos-guard|"
    rb"captcha-delivery|datadome|Attention Required! \| Cloudflare|enable JavaScript and cookies",
    re.IGNORECASE,
)


def edition_lang(crawler: Crawler, url: str) -> str:
    outlet = getattr(crawler.spider, "outlet", None)
    edition = outlet.edition_for(url) if outlet else None
    return edition.lang if edition else ""


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP-date); None if absent/bad."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def is_challenge(response: Response) -> bool:
    return bool(CHALLENGE_MARKERS.search(response.body[:20000]))


async def sleep(seconds: float) -> None:
    await maybe_deferred_to_future(task.deferLater(reactor, seconds, lambda: None))


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retry, waiting base * 2**attempt seconds (capped) before each retry, or
    the server's Retry-After on 429/503; a Retry-After beyond the cap is not waited for
    (the response is kept and counted as rate-limited)."""

    def __init__(self, settings):  # type: ignore[no-untyped-def]
        super().__init__(settings)
        self.base = settings.getfloat("MONITOR_RETRY_BACKOFF_BASE", 2.0)
        self.cap = settings.getfloat("MONITOR_RETRY_BACKOFF_MAX", 120.0)

    def _delay(self, request: Request, response: Response | None) -> float | None:
        attempt = request.meta.get("retry_times", 0)
        delay = min(self.cap, self.base * (2**attempt))
        if response is not None and response.status in (429, 503):
            after = retry_after_seconds(response.headers.get("Retry-After"))
            if after is not None:
                if after > self.cap:
                    return None
                delay = max(delay, after)
        return delay

    def _slow_down(self, request: Request, delay: float) -> None:
        downloader = self.crawler.engine.downloader if self.crawler.engine else None
        if downloader is None:
            return
        key = request.meta.get("download_slot") or (request.url.split("/")[2] if "//" in request.url else "")
        slot = downloader.slots.get(key)
        if slot is not None:
            slot.delay = max(slot.delay, min(delay, self.cap))

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        if request.meta.get("dont_retry") or response.status not in self.retry_http_codes:
            return response
        delay = self._delay(request, response)
        if delay is None:
            count(self.crawler.stats, edition_lang(self.crawler, request.url), "rate_limited")
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        if response.status == 429:
            self._slow_down(request, delay)
        if delay > 0:
            await sleep(delay)
        return retry

    async def process_exception(self, request: Request, exception: Exception) -> Request | None:
        if request.meta.get("dont_retry") or not isinstance(exception, self.exceptions_to_retry):
            return None
        retry = self._retry(request, exception)
        if retry is not None:
            delay = self._delay(request, None) or 0.0
            if delay > 0:
                await sleep(delay)
        return retry


class HealthCountersMiddleware:
    """Counts requests, responses by status, blocks and transport errors per edition."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HealthCountersMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        count(self.crawler.stats, edition_lang(self.crawler, request.url), "requests")

    def process_response(self, request: Request, response: Response) -> Response:
        lang = edition_lang(self.crawler, request.url)
        stats = self.crawler.stats
        count(stats, lang, "responses")
        count(stats, lang, f"status_{response.status}")
        if response.status in BLOCK_STATUSES or (response.status in (200, 403, 429, 503)
                                                 and is_challenge(response)):
            count(stats, lang, "blocked")
        elif response.status == 200 and not response.body:
            count(stats, lang, "empty_body")
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        name = type(exception).__name__
        count(self.crawler.stats, edition_lang(self.crawler, request.url), f"error_{name}")


class WarcArchiveMiddleware:
    """Writes every raw response (before decompression) to the run's WARC file and tells
    the request where: ``meta["warc"]`` (a RecordRef) and ``meta["fetched_at"]``."""

    def __init__(self, crawler: Crawler, directory: Path):
        self.crawler = crawler
        self.directory = directory
        self.archive: WarcArchive | None = None
        crawler.signals.connect(self.close, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcArchiveMiddleware:
        settings = crawler.settings
        if settings.getlist("MONITOR_REPLAY") or not settings.getbool("MONITOR_ARCHIVE", True):
            raise NotConfigured("replaying, or archiving switched off")
        return cls(crawler, Path(settings.get("MONITOR_WARC_DIR", "data/warc")))

    def _open(self) -> WarcArchive:
        if self.archive is None:
            spider = self.crawler.spider
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
            name = f"{stamp}-{getattr(spider, 'outlet_key', 'crawl')}-{getattr(spider, 'run_key', 'run')[:8]}.warc.gz"
            self.archive = WarcArchive(self.directory / name)
        return self.archive

    def process_response(self, request: Request, response: Response) -> Response:
        if "replay" in response.flags:
            return response
        now = datetime.now(UTC)
        headers = [(k.decode("latin-1"), v.decode("latin-1"))
                   for k, values in response.headers.items() for v in values]
        ref = self._open().write_response(response.url, response.status, headers,
                                          response.body, now)
        request.meta["warc"] = ref
        request.meta["fetched_at"] = now
        return response

    def close(self) -> None:
        if self.archive is not None:
            self.archive.close()
