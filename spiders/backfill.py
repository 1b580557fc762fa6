"""The generic spider in backfill mode: one outlet's history between -a since and -a until,
from day archives (each day, its pages until an empty one), dated child sitemaps (by
lastmod), feeds, and listings walked until their items are older than the range. Article
handling is the outlet spider's; this class only adds the day-by-day discovery and records
finished days and sitemaps in the database, so a restarted backfill resumes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import UsageError
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from monitor.backfill import (
    FULL_PAGE,
    MAX_ARCHIVE_PAGES,
    MAX_LISTING_PAGES,
    SOURCES,
    Unit,
    UnitTracker,
    archive_url,
    days_between,
    listing_dates,
    sitemap_period,
)
from monitor.counters import PREFIX, count
from monitor.discover import DiscoveryError, Link, listing_links
from monitor.registry import Edition
from monitor.urls import canonicalize
from spiders.outlet import OutletSpider

GONE = (404, 410)  # a day archive answering this has no articles that day


class BackfillSpider(OutletSpider):
    name = "backfill"

    def __init__(self, outlet: str = "", lang: str = "", sources: str = "", since: str = "",
                 until: str = "", mode: str = "", **kwargs: Any):
        kinds = tuple(s for s in sources.split(",") if s)
        unknown = set(kinds) - set(SOURCES)
        if unknown:
            raise UsageError(f"-a sources: unknown {sorted(unknown)}; use {','.join(SOURCES)}")
        super().__init__(outlet=outlet, lang=lang, since=since, until=until,
                         mode=mode or "backfill", **kwargs)
        if self.since is None:
            raise UsageError("a backfill needs -a since=YYYY-MM-DD (and optionally -a until=)")
        self.until = self.until or datetime.now(UTC).date()
        if self.until < self.since:
            raise UsageError(f"-a until={self.until} is before -a since={self.since}")
        self.first_day: date = self.since
        self.last_day: date = self.until
        self.sources = kinds or SOURCES
        self.explicit_sources = bool(kinds)
        self.units = UnitTracker()
        self._rejected = 0  # entries the date range left out of the sitemap being parsed

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> BackfillSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        assert isinstance(spider, BackfillSpider)
        crawler.signals.connect(spider._item_stored, signal=signals.item_scraped)
        crawler.signals.connect(spider._item_stored, signal=signals.item_dropped)
        crawler.signals.connect(spider._item_error, signal=signals.item_error)
        crawler.signals.connect(spider._request_dropped, signal=signals.request_dropped)
        crawler.signals.connect(spider._report_open_units, signal=signals.spider_closed)
        return spider

    # ------------------------------------------------------------ discovery

    def walks_listings(self, edition: Edition) -> bool:
        # Listings only reach back page by page: walked where nothing better exists.
        return "listings" in self.sources and (
            self.explicit_sources or not (edition.archive or edition.sitemaps))

    def more_discovery(self) -> Iterable[scrapy.Request]:
        if "archive" in self.sources:
            yield from self.archive_days()

    def archive_days(self) -> Iterable[scrapy.Request]:
        editions = [ed for ed in self.editions() if ed.archive]
        done = {ed.lang: self.repository.finished_backfill_units(self.outlet_id, ed.lang, "archive")
                for ed in editions}
        for day in days_between(self.first_day, self.last_day):
            for ed in editions:
                if day.isoformat() in done[ed.lang]:
                    count(self.crawler.stats, ed.lang, "backfill_days_skipped")
                    continue
                unit = self.units.open(ed.lang, "archive", day.isoformat())
                yield self.archive_request(ed, day, 1, unit)

    def archive_request(self, edition: Edition, day: date, page: int, unit: str) -> scrapy.Request:
        assert edition.archive
        return scrapy.Request(archive_url(edition.archive, day, page), self.parse_archive,
                              errback=self.failed,
                              meta={"lang": edition.lang, "kind": "archive", "day": day,
                                    "page": page, "unit": unit})

    def parse_archive(self, response: Response) -> Iterable[scrapy.Request]:
        lang, day, page, unit = (response.meta[k] for k in ("lang", "day", "page", "unit"))
        edition = self.outlet.edition(lang)
        try:
            links = listing_links(response.body, response.url)
        except DiscoveryError:
            count(self.crawler.stats, lang, "archive_empty")
            self._finish(unit)
            return
        articles = [u for u in links if self.outlet.is_article_url(canonicalize(u))]
        out = self._adopt(unit, self.article_requests(self._dated(response, links, lang), lang))
        assert edition.archive
        next_url = canonicalize(archive_url(edition.archive, day, page + 1))
        more = ("{page}" in edition.archive and articles and page < MAX_ARCHIVE_PAGES
                and (next_url in {canonicalize(u) for u in links} or len(articles) >= FULL_PAGE))
        if more:
            self.units.add(unit)
            out.append(self.archive_request(edition, day, page + 1, unit))
        self.units.get(unit).links += len(articles)
        self._finish(unit)  # this page; all it led to is counted above, before any yield
        yield from out

    def child_sitemaps(self, children: list[Link], lang: str) -> Iterable[scrapy.Request]:
        stamps = {c.url: c.published.isoformat() if c.published else "" for c in children}
        done = self.repository.finished_backfill_units(self.outlet_id, lang, "sitemap")
        for request in super().child_sitemaps(children, lang):
            period = sitemap_period(request.url)
            if period and (period[0] > self.last_day or period[1] < self.first_day):
                count(self.crawler.stats, lang, "backfill_sitemaps_outside")
                continue  # named for days outside the range: nothing in it is wanted
            stamp = stamps.get(request.url, "")
            if stamp and done.get(request.url) == stamp:
                count(self.crawler.stats, lang, "backfill_sitemaps_skipped")
                continue
            request.meta["unit"] = self.units.open(lang, "sitemap", request.url, stamp)
            yield request

    def parse_sitemap(self, response: Response) -> Iterable[scrapy.Request]:
        unit, lang = response.meta.get("unit"), response.meta["lang"]
        malformed = self._stat(lang, "sitemap_malformed")
        self._rejected = 0
        out = list(super().parse_sitemap(response))
        if unit:
            articles = [r for r in out if r.meta.get("kind") == "article"]
            others = [r for r in out if r.meta.get("kind") != "article"]
            out = self._adopt(unit, articles) + others
            self.units.get(unit).partial = bool(self._rejected)
            self._finish(unit, ok=self._stat(lang, "sitemap_malformed") == malformed)
        yield from out

    def _in_range(self, when: datetime | None, lang: str = "") -> bool:
        inside = super()._in_range(when, lang)
        self._rejected += 0 if inside else 1
        return inside

    def parse_listing(self, response: Response) -> Iterable[scrapy.Request]:
        lang, page, template = (response.meta[k] for k in ("lang", "page", "template"))
        links = self.read_discovery(response, listing_links, "listing")
        if links is None:
            return
        dates = self._dates(response, lang)
        yield from self.article_requests(self._dated(response, links, lang, dates), lang)
        shown = [d for u, d in dates.items() if self.outlet.is_article_url(u)]
        older = bool(shown) and self._local_day(min(shown), lang) < self.first_day
        next_url = canonicalize(template.format(page=page + 1))
        if (not older and page < MAX_LISTING_PAGES and next_url in {canonicalize(u) for u in links}):
            yield self.listing_request(self.outlet.edition(lang), template, page + 1)
        elif older:
            count(self.crawler.stats, lang, "backfill_listing_reached_since")

    def _dates(self, response: Response, lang: str) -> dict[str, datetime]:
        zone = self.outlet.zone(self.outlet.edition(lang))
        return listing_dates(response.body, response.url, zone, response.meta.get("fetched_at"))

    def _dated(self, response: Response, links: list[str], lang: str,
               dates: dict[str, datetime] | None = None) -> list[Link]:
        """Links as Link records with the date shown beside them; those dated outside the
        range are dropped here (sidebars of other days, listing items past the bound)."""
        dates = self._dates(response, lang) if dates is None else dates
        out = []
        for url in links:
            when = dates.get(canonicalize(url))
            if super()._in_range(when, lang):
                out.append(Link(url, when))
        return out

    # ------------------------------------------------------------ progress

    def _adopt(self, unit: str, requests: Iterable[scrapy.Request]) -> list[scrapy.Request]:
        """Article requests made for ``unit``: the unit waits for each of them."""
        out = list(requests)
        for request in out:
            request.meta["unit"] = unit
        self.units.add(unit, len(out))
        self.units.get(unit).fetched += len(out)
        return out

    def _finish(self, unit: str | None, ok: bool = True) -> None:
        finished = self.units.finish(unit, ok) if unit else None
        if finished is not None:
            self._record(finished)

    def _record(self, unit: Unit) -> None:
        if unit.partial:
            return  # entries outside this range remain: a wider backfill must read it again
        if unit.kind == "archive":
            today = datetime.now(self.outlet.zone(self.outlet.edition(unit.lang))).date()
            if date.fromisoformat(unit.name) >= today:
                return  # today's archive still grows
        state = "failed" if unit.failed else "done"
        self.repository.record_backfill_unit(
            self.outlet_id, unit.lang, unit.kind, unit.name, state=state, stamp=unit.stamp,
            links=unit.links, fetched=unit.fetched, failed=unit.failed, run_id=self.run_id,
        )
        count(self.crawler.stats, unit.lang, f"backfill_{unit.kind}_{state}")

    def _stat(self, lang: str, name: str) -> int:
        return int(self.crawler.stats.get_value(f"{PREFIX}{lang}/{name}", 0))

    def _item_stored(self, response: Response) -> None:
        self._finish(response.meta.get("unit"))

    def _item_error(self, response: Response) -> None:
        self._finish(response.meta.get("unit"), ok=False)

    def _request_dropped(self, request: scrapy.Request) -> None:
        self._finish(request.meta.get("unit"))

    def failed(self, failure: Failure) -> None:
        super().failed(failure)
        request = failure.request  # type: ignore[attr-defined]
        gone = (request.meta.get("kind") == "archive" and failure.check(HttpError)
                and failure.value.response.status in GONE)
        self._finish(request.meta.get("unit"), ok=bool(gone))

    def _report_open_units(self) -> None:
        left = self.units.open_units()
        if left:
            self.logger.info("%d backfill units left unfinished (they are redone next time)",
                             len(left))
