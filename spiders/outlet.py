"""The one generic spider: crawls one registry outlet (all editions, or one language) from
its feeds, sitemaps and listing pages, requests each article URL not yet stored, and hands
the raw page to the pipelines. Per-site behaviour comes from the registry entry."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterable
from datetime import UTC, date, datetime
from typing import Any, TypeVar

import scrapy
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider, UsageError
from scrapy.http import Response
from sqlalchemy.exc import DBAPIError
from twisted.python.failure import Failure

from monitor.counters import count
from monitor.crawl import FATAL_STAT
from monitor.db import make_engine, migrate
from monitor.discover import DiscoveryError, Link, listing_links, parse_feed, parse_sitemap
from monitor.items import PageItem
from monitor.middlewares import failure_reason
from monitor.process import Page
from monitor.registry import Edition, Registry
from monitor.repository import Repository, storage_fault
from monitor.seen import DiskSet
from monitor.urls import canonicalize

T = TypeVar("T")

SOURCES = ("feeds", "sitemaps", "listings")
ARTICLE_PRIORITY = 10  # fetch articles before more discovery pages: bounded queues


def _parse_day(value: str, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"-a {name}={value!r} is not a date; use YYYY-MM-DD") from None


class OutletSpider(scrapy.Spider):
    name = "outlet"

    def __init__(self, outlet: str = "", lang: str = "", sources: str = "", run_key: str = "",
                 mode: str = "", since: str = "", until: str = "", **kwargs: Any):
        super().__init__(**kwargs)
        if not outlet:
            raise UsageError("name the outlet: scrapy crawl outlet -a outlet=KEY "
                             "(keys: `monitor outlets`)")
        self.outlet_key = outlet
        self.lang = lang
        self.sources = tuple(s for s in sources.split(",") if s) or SOURCES
        unknown = set(self.sources) - set(SOURCES)
        if unknown:
            raise UsageError(f"-a sources: unknown {sorted(unknown)}; use {','.join(SOURCES)}")
        self.run_key = run_key or uuid.uuid4().hex
        self.mode = mode
        self.since = _parse_day(since, "since")
        self.until = _parse_day(until, "until")
        self.run_id: int | None = None
        # Article URLs this run requested or counted as seen: a link met again in another
        # feed or listing is neither requested twice nor counted twice. On disk, so that
        # memory does not grow with the crawl (monitor/seen.py).
        self._met = DiskSet("met")
        # Fetched URL -> the link that redirected to it, until the page is settled (a few
        # pages at a time: those between download and store).
        self._moved: dict[str, str] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> OutletSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider._setup(crawler)
        return spider

    def _setup(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.registry = Registry.load()
        self.outlet = self.registry.get(self.outlet_key)
        if self.lang:
            self.outlet.edition(self.lang)  # raises with the languages it has
        self.allowed_domains = list(self.outlet.domains)
        self.mode = self.mode or ("replay" if settings.getlist("MONITOR_REPLAY") else "live")
        engine = make_engine(settings.get("MONITOR_DATABASE_URL"))
        migrate(engine)
        self.repository = Repository(engine)
        self.outlet_id = self.repository.sync_outlets(self.registry)[self.outlet_key]

    # ------------------------------------------------------------ discovery

    def editions(self) -> list[Edition]:
        return [e for e in self.outlet.editions if not self.lang or e.lang == self.lang]

    async def start(self) -> AsyncIterator[scrapy.Request]:
        if not self.outlet.crawlable:
            raise CloseSpider(f"outlet_{self.outlet.status}")
        for request in self.discovery_requests():
            yield request

    def discovery_requests(self) -> Iterable[scrapy.Request]:
        for ed in self.editions():
            meta = {"lang": ed.lang}
            if "feeds" in self.sources:
                for url in ed.feeds:
                    yield scrapy.Request(url, self.parse_feed, errback=self.failed,
                                         meta={**meta, "kind": "feed"})
            if "sitemaps" in self.sources:
                for url in ed.sitemaps:
                    yield scrapy.Request(url, self.parse_sitemap, errback=self.failed,
                                         meta={**meta, "kind": "sitemap"})
            if self.walks_listings(ed):
                for template in ed.listings:
                    yield self.listing_request(ed, template, ed.first_page)
        yield from self.more_discovery()

    def walks_listings(self, edition: Edition) -> bool:
        return "listings" in self.sources

    def more_discovery(self) -> Iterable[scrapy.Request]:
        """Further discovery a subclass adds (the backfill's day archives)."""
        return ()

    def listing_request(self, edition: Edition, template: str, page: int) -> scrapy.Request:
        return scrapy.Request(template.format(page=page), self.parse_listing, errback=self.failed,
                              meta={"lang": edition.lang, "kind": "listing",
                                    "template": template, "page": page})

    def _in_range(self, when: datetime | None, lang: str = "") -> bool:
        """Is ``when`` within --since/--until? The bounds are calendar days in the edition's
        time zone (UTC without a language), as day archives and visible dates count them."""
        if when is None:
            return True
        day = self._local_day(when, lang)
        return not ((self.since and day < self.since) or (self.until and day > self.until))

    def _local_day(self, when: datetime, lang: str = "") -> date:
        zone = self.outlet.zone(self.outlet.edition(lang)) if lang else UTC
        return (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(zone).date()

    def read_discovery(self, response: Response, parser: Callable[[bytes, str], T],
                       kind: str) -> T | None:
        """A feed, sitemap or listing read by ``parser``; None (counted as ``<kind>_malformed``
        for the response's language, and logged) when it cannot be read."""
        try:
            return parser(response.body, response.url)
        except DiscoveryError as exc:
            count(self.crawler.stats, response.meta["lang"], f"{kind}_malformed")
            self.logger.warning("%s %s unreadable: %s", kind, response.url, exc)
            return None

    def parse_feed(self, response: Response) -> Iterable[scrapy.Request]:
        lang = response.meta["lang"]
        links = self.read_discovery(response, parse_feed, "feed")
        if links is None:
            return
        count(self.crawler.stats, lang, "feed_links", len(links))
        yield from self.article_requests(
            (lk for lk in links if self._in_range(lk.published, lang)), lang
        )

    def parse_sitemap(self, response: Response) -> Iterable[scrapy.Request]:
        lang = response.meta["lang"]
        sitemap = self.read_discovery(response, parse_sitemap, "sitemap")
        if sitemap is None:
            return
        if sitemap.kind == "index":
            yield from self.child_sitemaps(sitemap.entries, lang)
            return
        count(self.crawler.stats, lang, "sitemap_links", len(sitemap.entries))
        yield from self.article_requests(
            (lk for lk in sitemap.entries if self._in_range(lk.published, lang)), lang
        )

    def child_sitemaps(self, children: list[Link], lang: str) -> Iterable[scrapy.Request]:
        import re

        edition = self.outlet.edition(lang)
        backfill = self.since is not None
        for child in children:
            wanted = backfill or not edition.sitemap_follow or any(
                re.search(p, child.url) for p in edition.sitemap_follow
            )
            # A child last modified before the range holds nothing new for it.
            if wanted and (child.published is None or not self.since
                           or self._local_day(child.published, lang) >= self.since):
                yield scrapy.Request(child.url, self.parse_sitemap, errback=self.failed,
                                     meta={"lang": lang, "kind": "sitemap"})

    def parse_listing(self, response: Response) -> Iterable[scrapy.Request]:
        lang, page = response.meta["lang"], response.meta["page"]
        links = self.read_discovery(response, listing_links, "listing")
        if links is None:
            return
        new = list(self.article_requests((Link(u) for u in links), lang))
        yield from new
        edition = self.outlet.edition(lang)
        template = response.meta["template"]
        next_url = canonicalize(template.format(page=page + 1))
        # Incremental: a listing page with nothing new means the rest is stored already;
        # and a page that links to no next page is the last one.
        linked = {canonicalize(u) for u in links}
        last = edition.first_page + edition.listing_pages - 1
        if new and page < last and next_url in linked:
            yield self.listing_request(edition, template, page + 1)

    def article_requests(self, links: Iterable[Link], lang: str) -> Iterable[scrapy.Request]:
        """Requests for article links of this outlet that are not stored yet."""
        candidates: dict[str, str] = {}
        for link in links:
            url = canonicalize(link.url)
            if not self.outlet.owns(url):
                count(self.crawler.stats, lang, "links_offsite")
                continue
            if self.outlet.is_article_url(url):
                edition = self.outlet.edition_for(url)
                if edition and (not self.lang or edition.lang == self.lang):
                    candidates.setdefault(url, edition.lang)
        fresh = {u: candidates[u] for u in self._met.add_new(candidates)}
        known = self.repository.known_urls(fresh)
        for url, edition_lang in fresh.items():
            if url in known:
                count(self.crawler.stats, edition_lang, "articles_seen")
                continue
            count(self.crawler.stats, edition_lang, "article_requests")
            yield scrapy.Request(url, self.parse_article, errback=self.failed,
                                 priority=ARTICLE_PRIORITY,
                                 meta={"lang": edition_lang, "kind": "article"})

    # ------------------------------------------------------------ articles

    def parse_article(self, response: Response) -> Iterable[PageItem]:
        ref = response.meta.get("warc")
        headers = {k.lower(): v for k, v in response.headers.to_unicode_dict().items()}
        page = Page(
            url=response.url,
            body=response.body,
            fetched_at=response.meta.get("fetched_at") or datetime.now(UTC),
            outlet_key=self.outlet_key,
            status=response.status,
            headers=headers,
            warc_file=ref.path if ref else None,
            warc_offset=ref.offset if ref else None,
            warc_record_id=ref.record_id if ref else None,
        )
        linked = (response.meta.get("redirect_urls") or [response.url])[0]
        if canonicalize(linked) != canonicalize(response.url):
            # The link moved: remembered (settle_redirect, once the page is stored or
            # judged), so it is not fetched again every night; the article is stored under
            # the URL it moved to.
            self._moved[response.url] = linked
        yield PageItem(page=page, lang=response.meta.get("lang", ""))

    def settle_redirect(self, url: str) -> None:
        """The page fetched as ``url`` is stored, or is no article: a link that redirected
        to it is remembered now. Not before: a crawl killed with the article unstored must
        follow the link again on its next run."""
        linked = self._moved.pop(url, None)
        if linked is not None:
            self.repository.record_skip(linked, outlet_id=self.outlet_id, reason="redirected",
                                        detail=f"moved to {url}"[:500])

    def failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        lang, kind = request.meta.get("lang", ""), request.meta.get("kind", "page")
        reason = failure_reason(failure)  # http_404, timeout, truncated, offsite, ...
        count(self.crawler.stats, lang, f"{kind}_{reason}")
        message = failure.getErrorMessage()
        if kind == "article" and not self.crawler.stats.get_value(FATAL_STAT):
            # Remembered, so a dead link is not fetched every night and nothing is lost
            # silently: gone pages never again, other failures up to a few attempts. Under
            # the URL the link named, not the last hop of its redirects. (Requests cut off
            # by a crawl stopped for its own storage are not the page's fault.)
            linked = (request.meta.get("redirect_urls") or [request.url])[0]
            try:
                self.repository.record_skip(linked, outlet_id=self.outlet_id, reason=reason,
                                            detail=message[:500])
            except DBAPIError as exc:
                if storage_fault(exc) is None:
                    raise
                # Not remembered, so not known either: the next crawl tries the link again.
                self.logger.warning("failure of %s not recorded: %s", linked, exc.orig)
        self.logger.info("%s %s failed: %s", kind, request.url, message)
