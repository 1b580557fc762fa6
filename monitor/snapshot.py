"""Snapshot: renders the recorded-outlet sources in ``snapshot/`` (articles as YAML, site skins
as Jinja2 templates) into the responses a crawl would have received (articles, feeds,
sitemaps, listings, day archives, robots.txt) and writes them to a WARC for replay.
docs/snapshot.md describes the format."""

from __future__ import annotations

import argparse
import math
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

import yaml
from jinja2 import Environment, FileSystemLoader, TemplateNotFound, Undefined, select_autoescape

from monitor.archive import WarcArchive
from monitor.registry import Edition, Outlet, Registry

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT_DIR = ROOT / "snapshot"
LABELS = ("china_protest", "china_other", "protest_other", "other")
TOPICS = ("land", "industrial_projects", "xinjiang", "labour", "pollution", "loans_debt",
          "sinophobia")
PER_LISTING_PAGE = 10
FEED_ITEMS = 20

MONTHS_RU_GEN = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
                 "сентября", "октября", "ноября", "декабря"]
MONTHS_RU_NOM = ["Январь", "Февраль", "Март", "Апрель", "Май", "Июнь", "Июль", "Август",
                 "Сентябрь", "Октябрь", "Ноябрь", "Декабрь"]
MONTHS_KK = ["қаңтар", "ақпан", "наурыз", "сәуір", "мамыр", "маусым", "шілде", "тамыз",
             "қыркүйек", "қазан", "қараша", "желтоқсан"]
MONTHS_EN = ["January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December"]


class SnapshotError(ValueError):
    """The snapshot sources are inconsistent; the message names the file and entry."""


@dataclass(frozen=True)
class Response:
    url: str
    status: int
    content_type: str
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()

    def header_list(self) -> list[tuple[str, str]]:
        return [("Content-Type", self.content_type), *self.headers]


@dataclass
class OutletSource:
    outlet: Outlet
    skin: str
    articles: list[dict[str, Any]]
    pages: list[dict[str, Any]] = field(default_factory=list)
    robots: str | None = None
    path: Path | None = None


def _as_datetime(value: Any, where: str) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = datetime.fromisoformat(str(value))
        except ValueError:
            raise SnapshotError(f"{where}: {value!r} is not an ISO 8601 datetime") from None
    if parsed.tzinfo is None:
        raise SnapshotError(f"{where}: {value!r} needs an offset (e.g. +06:00)")
    return parsed


def _check_article(a: dict[str, Any], outlet: Outlet, where: str) -> None:
    for key in ("url", "lang", "published", "title", "body", "label"):
        if not a.get(key):
            raise SnapshotError(f"{where}: missing {key!r}")
    url = a["url"]
    if not outlet.is_article_url(url):
        raise SnapshotError(f"{where}: {url} does not match {outlet.key}'s article_url pattern")
    edition = outlet.edition_for(url)
    if edition is None or edition.lang != a["lang"]:
        raise SnapshotError(f"{where}: {url} is not under the {a['lang']!r} edition's url_prefixes")
    if a["label"] not in LABELS:
        raise SnapshotError(f"{where}: label {a['label']!r} is not one of {', '.join(LABELS)}")
    bad = set(a.get("topics") or ()) - set(TOPICS)
    if bad:
        raise SnapshotError(f"{where}: unknown topics {sorted(bad)}; known: {', '.join(TOPICS)}")
    if not isinstance(a["body"], list) or not all(isinstance(p, str) for p in a["body"]):
        raise SnapshotError(f"{where}: body must be a list of paragraphs")


def load_sources(registry: Registry, directory: Path = SNAPSHOT_DIR) -> list[OutletSource]:
    sources = []
    seen_urls: set[str] = set()
    for path in sorted((directory / "outlets").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        key = data.get("outlet")
        if key not in registry:
            raise SnapshotError(f"{path.name}: outlet {key!r} is not in the registry")
        outlet = registry.get(key)
        articles = data.get("articles") or []
        for i, a in enumerate(articles):
            where = f"{path.name} article #{i + 1}"
            _check_article(a, outlet, where)
            if a["url"] in seen_urls:
                raise SnapshotError(f"{where}: duplicate URL {a['url']}")
            seen_urls.add(a["url"])
            a["published"] = _as_datetime(a["published"], where)
            if a.get("modified"):
                a["modified"] = _as_datetime(a["modified"], where)
        skin = data.get("skin") or key
        if not (directory / "skins" / skin / "article.html.j2").exists():
            raise SnapshotError(f"{path.name}: skin {skin!r} has no snapshot/skins/{skin}/article.html.j2")
        sources.append(OutletSource(outlet, skin, articles, data.get("pages") or [],
                                    data.get("robots"), path))
    return sources


def recorded_at(directory: Path = SNAPSHOT_DIR) -> datetime:
    meta = yaml.safe_load((directory / "snapshot.yaml").read_text(encoding="utf-8"))
    return _as_datetime(meta["recorded_at"], "snapshot.yaml")


# ------------------------------------------------------------------ rendering


class _LenientUndefined(Undefined):
    """Missing optional fields (``a.render.jsonld``) read as undefined, not errors."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return self


def _environment(skin_dir: Path) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(skin_dir)),
        autoescape=select_autoescape(["html", "j2", "xml"], default=True),
        undefined=_LenientUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.policies["json.dumps_kwargs"] = {"ensure_ascii": False, "sort_keys": False}
    env.filters["month_ru_gen"] = lambda d: MONTHS_RU_GEN[d.month - 1]
    env.filters["month_ru_nom"] = lambda d: MONTHS_RU_NOM[d.month - 1]
    env.filters["month_kk"] = lambda d: MONTHS_KK[d.month - 1]
    env.filters["month_en"] = lambda d: MONTHS_EN[d.month - 1]
    return env


def _article_context(a: dict[str, Any], outlet: Outlet, edition: Edition) -> dict[str, Any]:
    ctx = dict(a)
    ctx["local"] = a["published"].astimezone(outlet.zone(edition))
    ctx["modified_local"] = a["modified"].astimezone(outlet.zone(edition)) if a.get("modified") else None
    ctx["paragraphs"] = a["body"]
    digits = re.findall(r"\d+", urlsplit(a["url"]).path)
    ctx["id"] = digits[-1] if digits else str(abs(hash(a["url"])) % 10**8)
    ctx.setdefault("render", {})
    ctx.setdefault("author", None)
    ctx.setdefault("lead", None)
    ctx.setdefault("section", None)
    ctx.setdefault("tags", [])
    return ctx


class SiteRenderer:
    """All responses of one outlet's recorded site."""

    def __init__(self, source: OutletSource, when: datetime, directory: Path = SNAPSHOT_DIR):
        self.source = source
        self.outlet = source.outlet
        self.when = when
        self.env = _environment(directory / "skins" / source.skin)
        self.directory = directory

    def _by_edition(self) -> dict[str, list[dict[str, Any]]]:
        groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for a in self.source.articles:
            groups[a["lang"]].append(a)
        for items in groups.values():
            items.sort(key=lambda a: a["published"], reverse=True)
        return groups

    def responses(self) -> Iterator[Response]:
        groups = self._by_edition()
        for edition in self.outlet.editions:
            items = groups.get(edition.lang, [])
            ctx_items = [_article_context(a, self.outlet, edition) for a in items]
            for i, ctx in enumerate(ctx_items):
                related = [c for j, c in enumerate(ctx_items) if j != i][:5]
                yield self._html(ctx["url"], "article.html.j2", a=ctx, related=related,
                                 edition=edition)
            linked = sorted(ctx_items + self._page_links(edition), key=lambda c: c["published"],
                            reverse=True)
            yield from self._feeds(edition, linked)
            yield from self._sitemaps(edition, linked)
            yield from self._listings(edition, linked)
            yield from self._archives(edition, ctx_items)
        yield from self._pages()
        yield from self._robots()

    def _page_links(self, edition: Edition) -> list[dict[str, Any]]:
        """Odd pages at article-shaped URLs are linked from feeds and listings like news,
        as on the real sites, so the crawler meets them and must skip them."""
        links = []
        for spec in self.source.pages:
            url = spec["url"]
            if self.outlet.is_article_url(url) and self.outlet.edition_for(url) is edition:
                when = _as_datetime(spec.get("published", self.when), url)
                links.append({"url": url, "title": spec.get("title", url), "published": when,
                              "local": when.astimezone(self.outlet.zone(edition)),
                              "body": [], "lead": spec.get("title", ""), "author": None,
                              "render": {}, "paragraphs": [], "id": "0"})
        return links

    def _html(self, url: str, template: str, status: int = 200, **ctx: Any) -> Response:
        try:
            tpl = self.env.get_template(template)
        except TemplateNotFound:
            raise SnapshotError(f"{self.source.path.name if self.source.path else self.outlet.key}: "
                                f"skin {self.source.skin!r} has no template {template!r}") from None
        html = tpl.render(
            outlet=self.outlet, recorded_at=self.when, url=url, **ctx
        )
        return Response(url, status, "text/html; charset=utf-8", html.encode("utf-8"))

    def _feeds(self, edition: Edition, items: list[dict[str, Any]]) -> Iterator[Response]:
        for url in edition.feeds:
            newest = items[:FEED_ITEMS]
            if url.endswith(".atom"):
                body = _atom(url, self.outlet, newest, self.when)
                yield Response(url, 200, "application/atom+xml; charset=utf-8", body)
            else:
                yield Response(url, 200, "application/rss+xml; charset=utf-8",
                               _rss(url, self.outlet, edition, newest, self.when))

    def _sitemaps(self, edition: Edition, items: list[dict[str, Any]]) -> Iterator[Response]:
        for url in edition.sitemaps:
            base = url.rsplit("/", 1)[0]
            children: list[tuple[str, datetime]] = []
            news_url = f"{base}/sitemaps/{edition.lang}-sitemap-news.xml"
            children.append((news_url, self.when))
            yield Response(news_url, 200, "application/xml", _urlset(items[:FEED_ITEMS], news=True,
                                                                     lang=edition.lang))
            months: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for a in items:
                months[a["published"].astimezone(UTC).strftime("%Y-%m")].append(a)
            for month, group in sorted(months.items(), reverse=True):
                child = f"{base}/sitemaps/{edition.lang}-sitemap-{month}.xml"
                children.append((child, max(a["published"] for a in group)))
                yield Response(child, 200, "application/xml", _urlset(group, news=False,
                                                                      lang=edition.lang))
            yield Response(url, 200, "application/xml", _sitemap_index(children))

    def _listings(self, edition: Edition, items: list[dict[str, Any]]) -> Iterator[Response]:
        for template in edition.listings:
            pages = max(1, math.ceil(len(items) / PER_LISTING_PAGE))
            first = edition.first_page
            for number in range(pages):
                page = first + number
                chunk = items[number * PER_LISTING_PAGE : (number + 1) * PER_LISTING_PAGE]
                url = template.format(page=page)
                next_url = template.format(page=page + 1) if number < pages - 1 else None
                prev_url = template.format(page=page - 1) if number > 0 else None
                yield self._html(url, "listing.html.j2", items=chunk, page=page,
                                 next_url=next_url, prev_url=prev_url, edition=edition,
                                 title=None)

    def _archives(self, edition: Edition, items: list[dict[str, Any]]) -> Iterator[Response]:
        if not edition.archive:
            return
        days: dict[date, list[dict[str, Any]]] = defaultdict(list)
        for a in items:
            days[a["local"].date()].append(a)
        for day, group in sorted(days.items()):
            url = archive_url(edition.archive, day, 1)
            yield self._html(url, "listing.html.j2", items=group, page=1, next_url=None,
                             prev_url=None, edition=edition, title=day.isoformat())

    def _pages(self) -> Iterator[Response]:
        for spec in self.source.pages:
            url, status = spec["url"], int(spec.get("status", 200))
            ctype = spec.get("content_type", "text/html; charset=utf-8")
            if "file" in spec:
                body = (self.directory / spec["file"]).read_bytes()
                yield Response(url, status, ctype, body)
            else:
                edition = self.outlet.edition_for(url) or self.outlet.editions[0]
                rendered = self._html(url, spec["template"], status=status, page=spec,
                                      edition=edition)
                yield Response(url, status, ctype, rendered.body)

    def _robots(self) -> Iterator[Response]:
        by_host: dict[str, list[str]] = defaultdict(list)
        for edition in self.outlet.editions:
            for url in edition.sitemaps:
                by_host[urlsplit(url).netloc].append(url)
        for host in self.outlet.domains:
            text = self.source.robots or "User-agent: *\nDisallow: /search/\n"
            for sitemap in by_host.get(host, []):
                text += f"Sitemap: {sitemap}\n"
            yield Response(f"https://{host}/robots.txt", 200, "text/plain; charset=utf-8",
                           text.encode("utf-8"))


def archive_url(template: str, day: date, page: int) -> str:
    return template.format(date=day, page=page)


def _rfc822(value: datetime) -> str:
    from email.utils import format_datetime

    return format_datetime(value.astimezone(UTC))


def _rss(url: str, outlet: Outlet, edition: Edition, items: list[dict[str, Any]],
         when: datetime) -> bytes:
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/">',
        "<channel>",
        f"<title>{escape(outlet.name)}</title>",
        f"<link>{escape(edition.url_prefixes[0])}</link>",
        f'<atom:link href="{escape(url)}" rel="self" type="application/rss+xml"/>',
        f"<language>{edition.lang}</language>",
        f"<lastBuildDate>{_rfc822(when)}</lastBuildDate>",
    ]
    for a in items:
        desc = a.get("lead") or (a["body"][0] if a["body"] else "")
        parts += [
            "<item>",
            f"<title>{escape(a['title'])}</title>",
            f"<link>{escape(a['url'])}</link>",
            f'<guid isPermaLink="true">{escape(a["url"])}</guid>',
            f"<pubDate>{_rfc822(a['published'])}</pubDate>",
            f"<description>{escape(desc[:300])}</description>",
        ]
        if a.get("author"):
            parts.append(f"<dc:creator>{escape(a['author'])}</dc:creator>")
        parts.append("</item>")
    parts += ["</channel>", "</rss>"]
    return "\n".join(parts).encode("utf-8")


def _atom(url: str, outlet: Outlet, items: list[dict[str, Any]], when: datetime) -> bytes:
    parts = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<feed xmlns="http://www.w3.org/2005/Atom">',
             f"<title>{escape(outlet.name)}</title>", f"<id>{escape(url)}</id>",
             f"<updated>{when.isoformat()}</updated>"]
    for a in items:
        parts += ["<entry>", f"<title>{escape(a['title'])}</title>",
                  f'<link rel="alternate" href="{escape(a["url"])}"/>',
                  f"<id>{escape(a['url'])}</id>",
                  f"<published>{a['published'].isoformat()}</published>",
                  f"<updated>{a['published'].isoformat()}</updated>", "</entry>"]
    parts.append("</feed>")
    return "\n".join(parts).encode("utf-8")


def _urlset(items: list[dict[str, Any]], *, news: bool, lang: str) -> bytes:
    parts = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
             'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">']
    for a in items:
        parts.append(f"<url><loc>{escape(a['url'])}</loc>"
                     f"<lastmod>{(a.get('modified') or a['published']).isoformat()}</lastmod>")
        if news:
            parts.append(
                "<news:news><news:publication><news:name>site</news:name>"
                f"<news:language>{lang}</news:language></news:publication>"
                f"<news:publication_date>{a['published'].isoformat()}</news:publication_date>"
                f"<news:title>{escape(a['title'])}</news:title></news:news>"
            )
        parts.append("</url>")
    parts.append("</urlset>")
    return "\n".join(parts).encode("utf-8")


def _sitemap_index(children: list[tuple[str, datetime]]) -> bytes:
    parts = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for url, lastmod in children:
        parts.append(f"<sitemap><loc>{escape(url)}</loc><lastmod>{lastmod.isoformat()}</lastmod></sitemap>")
    parts.append("</sitemapindex>")
    return "\n".join(parts).encode("utf-8")


# ------------------------------------------------------------------ entry points


def render_all(registry: Registry, directory: Path = SNAPSHOT_DIR) -> list[Response]:
    when = recorded_at(directory)
    responses: dict[str, Response] = {}
    for source in load_sources(registry, directory):
        for response in SiteRenderer(source, when, directory).responses():
            responses[response.url] = response
    return list(responses.values())


def build_warc(registry: Registry, out: Path, directory: Path = SNAPSHOT_DIR) -> int:
    """Render the snapshot and write it as one WARC; returns the number of responses."""
    responses = render_all(registry, directory)
    when = recorded_at(directory)
    tmp = out.with_suffix(out.suffix + ".tmp")
    tmp.unlink(missing_ok=True)
    with WarcArchive(tmp) as archive:
        for r in responses:
            archive.write_response(r.url, r.status, r.header_list(), r.body, when)
    tmp.replace(out)
    return len(responses)


def is_stale(out: Path, directory: Path = SNAPSHOT_DIR) -> bool:
    """True when a source, skin or registry file is newer than the built WARC."""
    if not out.exists():
        return True
    built = out.stat().st_mtime
    watched = [*directory.rglob("*"), *(ROOT / "monitor" / "outlets").glob("*.toml"),
               Path(__file__)]
    return any(p.is_file() and p.stat().st_mtime > built for p in watched)


def preview(registry: Registry, outlet_key: str, out_dir: Path,
            directory: Path = SNAPSHOT_DIR) -> int:
    """Write one outlet's rendered responses as files under ``out_dir/<host>/<path>``."""
    count = 0
    for r in render_all(registry, directory):
        if not registry.get(outlet_key).owns(r.url):
            continue
        parts = urlsplit(r.url)
        name = parts.path.strip("/") or "index"
        if parts.query:
            name += "_" + re.sub(r"[^\w.-]", "_", parts.query)
        if r.content_type.startswith("text/html") and not name.endswith(".html"):
            name += "/index.html"
        target = out_dir / parts.netloc / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(r.body)
        count += 1
    return count


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m monitor.snapshot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="write the snapshot WARC")
    build.add_argument("--out", type=Path, default=Path("data/snapshot.warc.gz"))
    prev = sub.add_parser("preview", help="write one outlet's rendered pages as files")
    prev.add_argument("--outlet", required=True)
    prev.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    registry = Registry.load()
    if args.command == "build":
        args.out.parent.mkdir(parents=True, exist_ok=True)
        print(f"{build_warc(registry, args.out)} responses written to {args.out}")
    else:
        print(f"{preview(registry, args.outlet, args.out)} files written under {args.out}")


if __name__ == "__main__":
    main()
