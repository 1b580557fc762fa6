"""Every recorded article of the snapshot, extracted the way the crawl extracts it, must give
its true title, date (with offset), author, language and body; every odd page must be
skipped with its expected reason. One parametrised test over the whole snapshot."""

from __future__ import annotations

from datetime import datetime

import pytest

from monitor.extract import Extracted, Skip
from monitor.process import Page, ProcessedArticle, process_page
from monitor.registry import Registry
from monitor.snapshot import SNAPSHOT_DIR, load_sources, recorded_at, render_all

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


@pytest.mark.parametrize("key, article", ARTICLES, ids=[a["url"] for _, a in ARTICLES])
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


@pytest.mark.parametrize("key, page", PAGES, ids=[p["url"] for _, p in PAGES])
def test_odd_pages_are_skipped_with_their_reason(key: str, page: dict) -> None:
    result = process(key, page["url"])
    assert isinstance(result, Skip) and result.reason == page["expect_skip"], result


def test_every_registry_outlet_has_a_snapshot() -> None:
    have = {s.outlet.key for s in SOURCES}
    missing = [o.key for o in REGISTRY if o.crawlable and o.key not in have]
    assert not missing, (f"outlets without recorded pages: {missing}; add "
                         f"{SNAPSHOT_DIR}/outlets/<key>.yaml (see docs/snapshot.md)")


def test_snapshot_has_every_language_and_label_mix() -> None:
    langs = {a["lang"] for _, a in ARTICLES}
    labels = {a["label"] for _, a in ARTICLES}
    assert {"ru", "kk", "en"} <= langs
    assert set(labels) == {"china_protest", "china_other", "protest_other", "other"}
    assert len(ARTICLES) >= 45
