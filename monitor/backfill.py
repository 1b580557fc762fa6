"""Backfill: walks one outlet's history between two days with the generic spider's backfill
mode (``spiders/backfill.py``): day archives day by day, dated child sitemaps by lastmod,
feeds, and (for editions with neither archive nor sitemap) listing pages until their items
are older than the range. Finished days and sitemaps are kept in ``backfill_progress``, so
a backfill that was killed, or is run again, skips them; a stored article is never fetched
again (the spider's known-URL check) nor stored twice (the unique URL)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from urllib.parse import urljoin

import lxml.html
from lxml import etree

from monitor.dates import parse_date, parse_iso
from monitor.registry import Registry
from monitor.urls import canonicalize

SOURCES = ("feeds", "sitemaps", "archive", "listings")
MAX_ARCHIVE_PAGES = 50  # pages of one day's archive, a guard against endless pagination
FULL_PAGE = 10  # a day-archive page with this many articles may continue unlinked
MAX_LISTING_PAGES = 500  # listing pages walked back in time, at most


class BackfillError(ValueError):
    """A backfill cannot start as asked; the message says why and what to do."""


@dataclass(frozen=True)
class BackfillRequest:
    outlet: str
    since: date
    until: date
    lang: str = ""
    sources: Sequence[str] = ()


def days_between(since: date, until: date) -> list[date]:
    """Every day of the range, newest first (recent history lands first)."""
    return [until - timedelta(days=i) for i in range((until - since).days + 1)]


def archive_url(template: str, day: date, page: int) -> str:
    return template.format(date=day, page=page)


_PERIOD = re.compile(r"(?<!\d)((?:19|20)\d\d)[-_/]?(0[1-9]|1[0-2])(?:[-_/]?(0[1-9]|[12]\d|3[01]))?(?!\d)")


def sitemap_period(url: str) -> tuple[date, date] | None:
    """The days a dated child sitemap covers, read from its name (``sitemap-2019-09.xml``,
    ``.../2019/09/03.xml``); None when the name carries no year and month."""
    matches = list(_PERIOD.finditer(url.rsplit("?", 1)[0]))
    if not matches:
        return None
    match = matches[-1]  # the last date in the URL names the period
    year, month, day = int(match.group(1)), int(match.group(2)), match.group(3)
    if day:
        try:
            first = date(year, month, int(day))
        except ValueError:
            return None
        return first, first
    following = date(year + (month == 12), month % 12 + 1, 1)
    return date(year, month, 1), following - timedelta(days=1)


# ------------------------------------------------------------------ progress accounting


@dataclass
class Unit:
    """One resumable piece of a backfill: a day archive or a dated child sitemap. It is
    finished when its own pages and every article request it made have an outcome."""

    lang: str
    kind: str  # archive | sitemap
    name: str  # the day (YYYY-MM-DD) or the sitemap URL
    stamp: str = ""  # a sitemap's lastmod: a changed sitemap is walked again
    pending: int = 1
    links: int = 0
    fetched: int = 0
    failed: int = 0
    partial: bool = False  # some entries fell outside the range: not finished for others


class UnitTracker:
    """Counts what each open unit still waits for; plain bookkeeping, no I/O."""

    def __init__(self) -> None:
        self._units: dict[str, Unit] = {}

    def open(self, lang: str, kind: str, name: str, stamp: str = "") -> str:
        key = f"{lang}|{kind}|{name}"
        self._units[key] = Unit(lang, kind, name, stamp)
        return key

    def get(self, key: str) -> Unit:
        return self._units[key]

    def add(self, key: str, n: int = 1) -> None:
        self._units[key].pending += n

    def finish(self, key: str, ok: bool = True) -> Unit | None:
        """One awaited page or article has an outcome; the unit if that completed it."""
        unit = self._units.get(key)
        if unit is None:
            return None
        unit.pending -= 1
        unit.failed += 0 if ok else 1
        if unit.pending > 0:
            return None
        return self._units.pop(key)

    def open_units(self) -> list[Unit]:
        return list(self._units.values())


# ------------------------------------------------------------------ dates on listing pages


_DATE_CLASS = re.compile(r"date|time|meta|publish", re.IGNORECASE)


def listing_dates(body: bytes | str, base_url: str, zone: tzinfo,
                  now: datetime | None = None) -> dict[str, datetime]:
    """Canonical link URL -> the date shown beside it on a listing or archive page.

    A link's item is its largest ancestor whose links all point to that one URL; the date
    is a ``<time datetime>`` in it, else a short date-like text (a class with date/time/meta,
    or any short text outside links). Links without a readable date are left out."""
    if isinstance(body, bytes):
        from monitor.extract import decode_html

        body = decode_html(body)
    try:
        tree = lxml.html.fromstring(body) if body.strip() else None
    except (etree.ParserError, ValueError):
        return {}
    if tree is None:
        return {}
    found: dict[str, datetime] = {}
    for anchor in tree.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:")):
            continue
        url = canonicalize(urljoin(base_url, href))
        if url in found:
            continue
        item = _item_of(anchor, url, base_url)
        when = _date_in(item, zone, now) if item is not None else None
        if when is not None:
            found[url] = when
    return found


def _item_of(anchor: lxml.html.HtmlElement, url: str, base_url: str) -> lxml.html.HtmlElement | None:
    item = None
    node = anchor.getparent()
    for _ in range(6):
        if node is None or node.tag in ("body", "html"):
            break
        hrefs = {canonicalize(urljoin(base_url, a.get("href") or "")) for a in node.iter("a")
                 if (a.get("href") or "").strip() and not a.get("href", "").startswith("#")}
        if hrefs != {url}:
            break
        item = node
        node = node.getparent()
    return item


def _date_in(item: lxml.html.HtmlElement, zone: tzinfo, now: datetime | None) -> datetime | None:
    for node in item.iter("time"):
        parsed = parse_iso(node.get("datetime") or "")
        if parsed:
            value = parsed.value if parsed.value.tzinfo else parsed.value.replace(tzinfo=zone)
            return value.astimezone(UTC)
    # Texts in a date-like class first, then inside one, then any short text.
    ranked: list[tuple[int, str]] = []
    for node in item.iter():
        if not isinstance(node.tag, str) or node.tag in ("a", "script", "style"):
            continue
        text = " ".join((node.text or "").split())
        ancestors = []
        for parent in node.iterancestors():
            if parent is item:
                break
            ancestors.append(parent)
        if not text or len(text) > 60 or any(a.tag == "a" for a in ancestors):
            continue
        if _DATE_CLASS.search(node.get("class") or ""):
            ranked.append((0, text))
        elif any(_DATE_CLASS.search(a.get("class") or "") for a in ancestors):
            ranked.append((1, text))
        elif len(text) <= 40:
            ranked.append((2, text))
    candidates = [text for _, text in sorted(ranked, key=lambda r: r[0])]
    for text in candidates:
        parsed = parse_date(text, tz=zone, now=now)
        if parsed:
            return parsed.value
    return None


# ------------------------------------------------------------------ running


def check_request(registry: Registry, request: BackfillRequest, today: date) -> None:
    """Refuse a backfill that cannot run, before anything is contacted."""
    outlet = registry.get(request.outlet)
    if request.lang:
        outlet.edition(request.lang)
    if not outlet.crawlable:
        raise BackfillError(f"outlet {outlet.key!r} is {outlet.status} ({outlet.status_reason}); "
                            "nothing was fetched")
    if request.until < request.since:
        raise BackfillError(f"--until {request.until} is before --since {request.since}")
    if request.since > today:
        raise BackfillError(f"--since {request.since} is in the future")
    unknown = set(request.sources) - set(SOURCES)
    if unknown:
        raise BackfillError(f"--sources: unknown {', '.join(sorted(unknown))}; "
                            f"use some of {','.join(SOURCES)}")


def run_backfill(cfg, registry: Registry, request: BackfillRequest,  # type: ignore[no-untyped-def]
                 log_level: str = "WARNING") -> str:
    """Backfill one outlet in this process (one Scrapy reactor); returns the run key of its
    ``crawl_runs`` row (mode "backfill"). Politeness comes from ``cfg`` as for a crawl."""
    import uuid

    from monitor.crawl import prepare_process
    from spiders.backfill import BackfillSpider

    check_request(registry, request, datetime.now(UTC).date() + timedelta(days=1))
    _repository, process = prepare_process(cfg, registry, log_level)
    run_key = uuid.uuid4().hex
    process.crawl(BackfillSpider, outlet=request.outlet, lang=request.lang, run_key=run_key,
                  mode="backfill", sources=",".join(request.sources),
                  since=request.since.isoformat(), until=request.until.isoformat())
    process.start()
    return run_key

