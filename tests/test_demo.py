"""`monitor demo` end to end, as the README runs it: replay of the bundled snapshot into a
fresh SQLite file, then again without fetching any stored article."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from monitor.snapshot import load_sources
from monitor.urls import canonicalize
from tests.conftest import monitor_env, run_monitor, stats


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    data = tmp_path_factory.mktemp("demo")
    env = monitor_env(data)
    out = run_monitor(["demo"], env).stdout
    assert "database:" in out and "about China-related protest" in out
    return data, env


def test_demo_stores_the_snapshot_with_languages_and_decisions(demo, registry) -> None:
    data, env = demo
    summary = stats(env)
    assert summary["articles"] >= 45 and len(summary["by_outlet"]) >= 3
    assert {"ru", "kk", "en"} <= set(summary["by_language"])
    assert summary["relevant"] >= 10
    # Blocked outlets (Reuters) are recorded but never contacted, so never stored.
    expected = {canonicalize(a["url"]): a for s in load_sources(registry) if s.outlet.crawlable
                for a in s.articles}
    con = sqlite3.connect(data / "monitor.sqlite3")
    rows = con.execute("select a.url, a.lang, c.relevant, c.topics from articles a "
                       "join classifications c on c.article_id = a.id").fetchall()
    assert len(rows) == len(expected)
    for url, lang, relevant, topics in rows:
        assert lang == expected[url]["lang"], url
        if relevant:
            assert topics, f"{url} is relevant but has no topic"
    matches = con.execute("select count(*) from matches").fetchone()[0]
    assert matches > len(rows)  # every decision keeps its evidence
    linked = con.execute("select count(*) from articles where duplicate_kind is not null").fetchone()[0]
    assert linked >= 1  # the syndicated copies are linked to their story


def test_second_demo_fetches_no_stored_article(demo) -> None:
    data, env = demo
    before = stats(env)["articles"]
    run_monitor(["demo"], env)
    assert stats(env)["articles"] == before
    con = sqlite3.connect(data / "monitor.sqlite3")
    last_key = con.execute("select run_key from crawl_runs order by id desc limit 1").fetchone()[0]
    new = con.execute("select sum(articles_new) from crawl_runs where run_key = ?", (last_key,)).fetchone()[0]
    fetched = con.execute(
        "select coalesce(sum(value), 0) from crawl_counters c join crawl_runs r on r.id = c.run_id "
        "where r.run_key = ? and c.name = 'article_requests'", (last_key,)).fetchone()[0]
    from monitor.repository import PERMANENT_SKIPS

    marks = ",".join("?" * len(PERMANENT_SKIPS))
    retryable = con.execute(f"select count(*) from skipped_pages where reason not in ({marks}) "
                            "and attempts <= 3", PERMANENT_SKIPS).fetchone()[0]
    assert new == 0
    assert fetched <= retryable  # only pages that failed before are tried again
