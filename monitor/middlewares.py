"""Downloader middlewares: retries with exponential backoff that honour Retry-After,
a guard that keeps redirects inside the registry's domains and out of loops, per-edition
health counters (requests, responses by status, blocked pages), and the WARC archive of
every raw response. ``failure_reason`` names the class of a failed download."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
    NotConfigured,
    ResponseDataLossError,
)
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.response import response_status_message
from twisted.internet import error as net_error
from twisted.internet import task
from twisted.python.failure import Failure

from monitor.archive import WarcArchive
from monitor.counters import count
from monitor.urls import canonicalize

BLOCK_STATUSES = {401, 403, 451}
# Anti-bot interstitials: Cloudflare, DDoS-Guard, DataDome, generic browser checks.
CHALLENGE_MARKERS = re.compile(
    rb"cf-chl-|challenge-platform|Just a moment\.\.\.|Checking your browser|ddos-guard|"
    rb"captcha-delivery|datadome|Attention Required! \| Cloudflare|enable JavaScript and cookies",
    re.IGNORECASE,
)


REDIRECT_STATUSES = {301, 302, 303, 307, 308}


class Blocked(IgnoreRequest):
    """A 200 response that is an anti-bot browser check, not the page asked for."""


class OffsiteRedirect(IgnoreRequest):
    """A redirect (or request) to a host outside the outlet's registry domains."""


class RedirectLoop(IgnoreRequest):
    """A redirect back to a URL already in the request's redirect chain."""


def failure_reason(failure: Failure) -> str:
    """The class of a failed download, as counted and kept in skipped_pages."""
    if failure.check(HttpError):
        return f"http_{failure.value.response.status}"
    message = failure.getErrorMessage()
    if failure.check(DownloadTimeoutError, net_error.TimeoutError, net_error.TCPTimedOutError):
        return "timeout"
    if failure.check(ResponseDataLossError):
        return "truncated"
    if failure.check(Blocked):
        return "blocked"
    if failure.check(OffsiteRedirect):
        return "offsite"
    if failure.check(RedirectLoop) or "max redirections" in message:
        return "redirect_loop"
    if (failure.check(DownloadCancelledError) and "max size" in message) or "DOWNLOAD_MAXSIZE" in message:
        return "too_large"
    if failure.check(DownloadConnectionRefusedError, CannotResolveHostError,
                     net_error.ConnectionRefusedError, net_error.DNSLookupError):
        return "unreachable"
    return "fetch_failed"


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
    if text.isascii() and text.isdigit():  # "¹" and "١" are digits to str.isdigit()
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


# The same markers as plain lower-case bytes, each looked for in the lower-cased start of
# the body: a substring search per marker is three times faster than one alternation
# regex over 20 kB, and this runs on every response (bench/pipeline_benchmark.py).
_CHALLENGE_LOWER = (b"cf-chl-", b"challenge-platform", b"just a moment...",
                    b"checking your browser", b"ddos-guard", b"captcha-delivery", b"datadome",
                    b"attention required! | cloudflare", b"enable javascript and cookies")


def is_challenge(response: Response) -> bool:
    head = response.body[:20000].lower()
    return any(marker in head for marker in _CHALLENGE_LOWER)


async def sleep(seconds: float) -> None:
    # Imported here: importing the reactor at module level would install Twisted's default
    # one before Scrapy installs its asyncio reactor (the spider imports this module).
    from twisted.internet import reactor

    await maybe_deferred_to_future(task.deferLater(reactor, seconds, lambda: None))


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retry, waiting base * 2**attempt seconds (capped) before each retry, or
    the server's Retry-After on 429/503; a Retry-After beyond MONITOR_RETRY_AFTER_MAX is not
    waited for (the response is kept and counted as rate-limited)."""

    def __init__(self, settings):  # type: ignore[no-untyped-def]
        super().__init__(settings)
        self.base = settings.getfloat("MONITOR_RETRY_BACKOFF_BASE", 2.0)
        self.cap = settings.getfloat("MONITOR_RETRY_BACKOFF_MAX", 120.0)
        self.after_cap = settings.getfloat("MONITOR_RETRY_AFTER_MAX", self.cap)

    def _delay(self, request: Request, response: Response | None) -> float | None:
        attempt = request.meta.get("retry_times", 0)
        delay = min(self.cap, self.base * (2**attempt))
        if response is not None and response.status in (429, 503):
            after = retry_after_seconds(response.headers.get("Retry-After"))
            if after is not None:
                if after > self.after_cap:
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
            slot.delay = max(slot.delay, min(delay, self.after_cap))

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


class RedirectGuardMiddleware:
    """Keeps the crawl inside the registry's domains: a redirect to another host, or back
    into its own chain, is not followed, and a request for another host (a retried request
    skips Scrapy's offsite filter) is not sent. Each fails with a named reason that the
    spider counts and remembers. Sits between RedirectMiddleware (600) and the counters."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedirectGuardMiddleware:
        return cls(crawler)

    def _owned(self, url: str) -> bool:
        """On one of the outlet's registry hosts or a subdomain of one (as Scrapy's own
        allowed_domains: a move to www. is followed, tengrinews.kz.evil.example is not)."""
        outlet = getattr(self.crawler.spider, "outlet", None)
        if outlet is None:
            return True
        host = (urlsplit(url).hostname or "").lower()
        return any(host == d or host.endswith("." + d) for d in outlet.domains)

    def process_request(self, request: Request) -> None:
        if not self._owned(request.url):
            count(self.crawler.stats, "", "offsite_refused")
            raise OffsiteRedirect(f"{request.url} is outside the outlet's domains; not fetched")

    def process_response(self, request: Request, response: Response) -> Response:
        location = response.headers.get("Location")
        if response.status not in REDIRECT_STATUSES or not location or request.meta.get("dont_redirect"):
            return response
        target = urljoin(request.url, location.decode("latin-1").strip())
        lang = edition_lang(self.crawler, request.url)
        if not self._owned(target):
            count(self.crawler.stats, lang, "redirect_offsite")
            raise OffsiteRedirect(f"redirect to {target} leaves the outlet's domains; not followed")
        chain = {canonicalize(u) for u in (*request.meta.get("redirect_urls", ()), request.url)}
        if canonicalize(target) in chain:
            count(self.crawler.stats, lang, "redirect_loop")
            raise RedirectLoop(f"redirect loop back to {target}")
        return response


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
            if response.status == 200:
                # Not the page: kept out of extraction, so it is retried on a later run
                # rather than remembered as "not an article".
                raise Blocked(f"{response.url} answered with a browser check")
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
            raise NotConfigured  # replaying, or archiving off: normal, so no warning logged
        return cls(crawler, Path(settings.get("MONITOR_WARC_DIR", "data/warc")))

    def _open(self) -> WarcArchive:
        if self.archive is None:
            spider = self.crawler.spider
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
            outlet, run = getattr(spider, "outlet_key", "crawl"), getattr(spider, "run_key", "run")
            name = f"{stamp}-{outlet}-{run[:8]}.warc.gz"
            self.archive = WarcArchive(self.directory / name)
        return self.archive

    def process_response(self, request: Request, response: Response) -> Response:
        if "replay" in response.flags:
            return response
        now = datetime.now(UTC)
        headers = [(k.decode("latin-1"), v.decode("latin-1"))
                   for k, values in response.headers.items() for v in values]
        try:
            ref = self._open().write_response(response.url, response.status, headers,
                                              response.body, now)
        except OSError as exc:  # disk full, read-only, quota: no page is kept unarchived
            from monitor.crawl import stop_crawl

            stop_crawl(self.crawler, f"the WARC archive cannot be written ({exc})")
            raise IgnoreRequest(f"not archived: {exc}") from None
        request.meta["warc"] = ref
        request.meta["fetched_at"] = now
        return response

    def close(self) -> None:
        if self.archive is not None:
            try:
                self.archive.close()
            except OSError as exc:  # the disk filled up: the records written stay readable
                self.crawler.spider.logger.error("WARC %s not closed: %s", self.archive.path, exc)
