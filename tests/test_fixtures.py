"""Every recorded article of the snapshot, extracted the way the crawl extracts it, must give
its true title, date (with offset), author, language and body; every odd page must be
skipped with its expected reason; every registry outlet and language has recorded articles
that its discovery pages list. Parametrised over the whole snapshot and registry."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from monitor.discover import listing_links, parse_feed, parse_sitemap
from monitor.extract import Extracted, Skip
from monitor.process import Page, ProcessedArticle, process_page
from monitor.registry import Edition, Outlet, Registry
from monitor.snapshot import load_sources, recorded_at, render_all
from monitor.urls import canonicalize

REGISTRY = Registry.load()
SOURCES = load_sources(REGISTRY)
WHEN = recorded_at()
RENDERED = {r.url: r for r in render_all(REGISTRY)}
ARTICLES = [(s.outlet.key, a) for s in SOURCES for a in s.articles]
PAGES = [(s.outlet.key, p) for s in SOURCES for p in s.pages if p.get("expect_skip")]


def words(text: str, n: int, last: bool = False) -> list[str]:
    tokens = text.split()
    return tokens[-n:] if last else tokens[:n]


def process(key: str, url: str) -> ProcessedArticle | Skip:
    response = RENDERED[url]
    page = Page(url=url, body=response.body, fetched_at=WHEN, outlet_key=key,
                headers={"content-type": response.content_type})
    return process_page(page, REGISTRY.get(key))


@pytest.mark.parametrize("key, article", ARTICLES, ids=[f"{k}:{a['url']}" for k, a in ARTICLES])
def test_article_extracts_to_its_recorded_fields(key: str, article: dict) -> None:
    result = process(key, article["url"])
    assert not isinstance(result, Skip), f"skipped: {result}"
    ex: Extracted = result.extracted
    expect = article.get("expect") or {}
    assert ex.title == expect.get("title", article["title"])
    published: datetime = article["published"]
    assert ex.published_at is not None, f"no date found (raw {ex.published_raw!r})"
    assert ex.published_at == published, (ex.published_raw, ex.published_source)
    assert ex.author == expect.get("author", article.get("author"))
    assert result.language.lang == article["lang"], result.language.evidence
    body = "\n".join(article["body"])
    assert words(ex.text, 6) == words(body, 6), ex.text[:300]
    assert words(ex.text, 6, last=True) == words(body, 6, last=True), ex.text[-300:]


@pytest.mark.parametrize("key, page", PAGES, ids=[f"{k}:{p['url']}" for k, p in PAGES])
def test_odd_pages_are_skipped_with_their_reason(key: str, page: dict) -> None:
    result = process(key, page["url"])
    assert isinstance(result, Skip) and result.reason == page["expect_skip"], result


EDITIONS = [(o, e) for o in REGISTRY for e in o.editions]
MIN_ARTICLES = 2


def discovery_pages(edition: Edition) -> dict[str, set[str]]:
    """URL -> canonical links of every discovery page the builder rendered for an edition:
    its feeds, sitemaps (and their children), listing pages and day-archive pages."""
    pages: dict[str, set[str]] = {}
    for url in edition.feeds:
        if url in RENDERED:
            pages[url] = {canonicalize(lk.url) for lk in parse_feed(RENDERED[url].body, url)}
    todo = [u for u in edition.sitemaps if u in RENDERED]
    while todo:
        url = todo.pop()
        sitemap = parse_sitemap(RENDERED[url].body, url)
        if sitemap.kind == "index":
            todo += [lk.url for lk in sitemap.entries if lk.url in RENDERED]
        pages[url] = {canonicalize(lk.url) for lk in sitemap.entries}
    for template in edition.listings:
        page = edition.first_page
        while template.format(page=page) in RENDERED:
            url = template.format(page=page)
            pages[url] = {canonicalize(u) for u in listing_links(RENDERED[url].body, url)}
            page += 1
    if edition.archive:
        parts = re.split(r"(\{date[^}]*\}|\{page\})", edition.archive)
        pattern = re.compile("".join(
            r"[\d/.-]+" if p.startswith("{date") else r"\d+" if p == "{page}" else re.escape(p)
            for p in parts) + "$")
        for url, response in RENDERED.items():
            if pattern.match(url):
                pages[url] = {canonicalize(u) for u in listing_links(response.body, url)}
    return pages


@pytest.mark.parametrize("outlet, edition", EDITIONS,
                         ids=[f"{o.key}-{e.lang}" for o, e in EDITIONS])
def test_every_outlet_and_language_has_recorded_pages(outlet: Outlet, edition: Edition) -> None:
    """Blocked and paused outlets too: they keep fixtures for the day they are reachable."""
    yaml_file = f"snapshot/outlets/{outlet.key}.yaml"
    source = next((s for s in SOURCES if s.outlet.key == outlet.key), None)
    assert source is not None, (
        f"{outlet.key}: no recorded pages; add {yaml_file} with at least {MIN_ARTICLES} "
        f"articles per language ({', '.join(outlet.languages)}) and a skin (docs/snapshot.md)")
    articles = [a["url"] for a in source.articles if a["lang"] == edition.lang]
    assert len(articles) >= MIN_ARTICLES, (
        f"{outlet.key} {edition.lang}: {len(articles)} recorded article(s) in {yaml_file}; add "
        f"{MIN_ARTICLES - len(articles)} more with `lang: {edition.lang}` (docs/snapshot.md)")
    assert edition.discovery(), (
        f"{outlet.key} {edition.lang}: the edition lists no feed, sitemap, listing or archive in "
        f"monitor/outlets/{outlet.key}.toml, so nothing can be discovered; add one")
    pages = discovery_pages(edition)
    assert pages, (
        f"{outlet.key} {edition.lang}: the snapshot builder rendered no discovery page for "
        f"{edition.discovery()}; check the URLs in monitor/outlets/{outlet.key}.toml")
    linked = set().union(*pages.values())
    unlisted = [u for u in articles if canonicalize(u) not in linked]
    assert not unlisted, (
        f"{outlet.key} {edition.lang}: recorded articles that no feed, sitemap, listing or "
        f"archive page lists (a crawl cannot reach them): {unlisted}; give the edition a "
        f"sitemap or listing in monitor/outlets/{outlet.key}.toml, or record fewer articles "
        f"than its feed holds")


def test_snapshot_has_every_language_and_label_mix() -> None:
    langs = {a["lang"] for _, a in ARTICLES}
    labels = {a["label"] for _, a in ARTICLES}
    assert {"ru", "kk", "en"} <= langs
    assert set(labels) == {"china_protest", "china_other", "protest_other", "other"}
    assert len(ARTICLES) >= 45
