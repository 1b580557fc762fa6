"""Several articles per transaction (Repository.store_articles, the store pipeline's batches):
the same rows as storing them one by one, duplicates inside a batch found, and a batch that
fails leaves nothing half-stored."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import StatementError

from monitor.process import Page, ProcessedArticle, process_page
from monitor.registry import Registry
from monitor.repository import Repository
from monitor.snapshot import Response
from tests.reportdata import make_repository

FETCHED = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def processed(snapshot_responses: list[Response], registry: Registry) -> list[ProcessedArticle]:
    out = []
    for response in snapshot_responses:
        outlet = registry.for_url(response.url)
        if outlet is None or outlet.key != "tengrinews" or "html" not in response.content_type:
            continue
        result = process_page(Page(response.url, response.body, FETCHED, outlet.key), outlet)
        if isinstance(result, ProcessedArticle):
            out.append(result)
    assert len(out) >= 6
    return out[:8]


def _rows(repo: Repository) -> list[tuple]:
    with repo.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(
            "SELECT a.url, s.url, a.duplicate_kind, c.relevant, c.topics FROM articles a "
            "JOIN articles s ON s.id = a.story_id JOIN classifications c ON c.article_id = a.id "
            "ORDER BY a.id"))]


def test_a_batch_stores_what_one_by_one_stores(tmp_path: Path, processed: list[ProcessedArticle]) -> None:
    first = processed[0]
    # The same page again (seen) and its text under another URL of the outlet (duplicate).
    copy = replace(first, page=replace(first.page, url=first.page.url.rstrip("/") + "-amp/"),
                   extracted=replace(first.extracted, url=first.extracted.url.rstrip("/") + "-amp/"))
    items = [*processed, first, copy]
    one = make_repository(f"sqlite:///{tmp_path / 'one.sqlite3'}")
    ids = one.sync_outlets(Registry.load())
    singles = [one.store_article(i, outlet_id=ids["tengrinews"], run_id=None) for i in items]
    batch = make_repository(f"sqlite:///{tmp_path / 'batch.sqlite3'}")
    together = batch.store_articles(items, outlet_id=ids["tengrinews"], run_id=None)
    assert [(r.status, r.duplicate_kind) for r in together] == \
        [(r.status, r.duplicate_kind) for r in singles]
    assert [r.status for r in together[-2:]] == ["seen", "duplicate"]
    assert _rows(batch) == _rows(one)
    with batch.engine.connect() as conn:
        aliases = conn.execute(text("SELECT count(*) FROM article_aliases")).scalar()
    assert aliases == 1


def test_a_failed_batch_stores_none_of_its_articles(tmp_path: Path,
                                                    processed: list[ProcessedArticle]) -> None:
    repo = make_repository(f"sqlite:///{tmp_path / 'fail.sqlite3'}")
    ids = repo.sync_outlets(Registry.load())
    naive = processed[2].extracted.published_at.replace(tzinfo=None)  # refused by UTCDateTime
    broken = replace(processed[2], extracted=replace(processed[2].extracted, published_at=naive))
    with pytest.raises(StatementError, match="naive datetime"):
        repo.store_articles([processed[0], processed[1], broken], outlet_id=ids["tengrinews"],
                            run_id=None)
    assert _rows(repo) == []  # all or none: the crawl fetches them again next run
    with repo.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM article_day_counts")).scalar() == 0


def test_the_earliest_published_copy_is_the_original_whatever_the_order(
        tmp_path: Path, processed: list[ProcessedArticle]) -> None:
    """Two outlets carry one story; the crawl may meet either first. The copy published first
    is the original (duplicate_kind null), the later one the syndicated copy, in both orders."""
    first = processed[0]
    published = first.extracted.published_at
    assert published is not None
    url = "https://rus.azattyq.org/a/9990001.html"
    later = replace(first, page=replace(first.page, url=url, outlet_key="azattyq"),
                    extracted=replace(first.extracted, url=url,
                                      published_at=published.replace(hour=(published.hour + 2) % 24)
                                      if published.hour < 22 else published.replace(minute=59)))
    assert later.extracted.published_at > published
    kinds = []
    for name, order in (("in_order", [first, later]), ("reversed", [later, first])):
        repo = make_repository(f"sqlite:///{tmp_path / f'{name}.sqlite3'}")
        ids = repo.sync_outlets(Registry.load())
        for item in order:
            key = "azattyq" if item is later else "tengrinews"
            result = repo.store_article(item, outlet_id=ids[key], run_id=None)
            assert result.status == "new"
        with repo.engine.connect() as conn:
            rows = dict(conn.execute(text("SELECT url, duplicate_kind FROM articles")).all())
            stories = conn.execute(text("SELECT count(DISTINCT story_id) FROM articles")).scalar()
        assert stories == 1, "the two copies are one story"
        kinds.append(rows)
    assert kinds[0] == kinds[1]
    assert kinds[0][first.extracted.url] is None and kinds[0][url] == "exact"
