"""The daily rollup (article_day_counts) and the counting views of version 2 that read it:
after every kind of write (new articles, a reprocess changing language, relevance and
topics, deletions, a new report zone) the rollup equals the counts computed from the
articles themselves, on SQLite and PostgreSQL, and the views give version 1's rows."""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from monitor import views
from monitor.classify import Decision
from monitor.repository import Repository
from tests.reportdata import add_article, at, make_repository

# Released SQL is frozen (monitor/views.py): change it through a new version and a migration.
RELEASED_VIEWS_2 = "ee66d04296fb6d08"
RELEASED_ROLLUP_1 = "848a8871519cc5d3"

# The rollup as the articles say it should be: v_articles (version 1's SQL, unchanged) grouped.
TRUTH = """
SELECT a.published_day, a.outlet, a.lang, '' AS topic, COUNT(*), SUM(a.relevant)
FROM v_articles a WHERE a.published_day IS NOT NULL
GROUP BY a.published_day, a.outlet, a.lang
UNION ALL
SELECT a.published_day, a.outlet, a.lang, tp.topic, COUNT(*), SUM(a.relevant)
FROM v_articles a JOIN article_topics tp ON tp.article_id = a.article_id
WHERE a.published_day IS NOT NULL
GROUP BY a.published_day, a.outlet, a.lang, tp.topic"""
ROLLUP = """
SELECT r.day, o.key, r.lang, r.topic, r.articles, r.relevant
FROM article_day_counts r JOIN outlets o ON o.id = r.outlet_id"""
OUTLETS = ("tengrinews", "azattyq", "eurasianet")
TOPICS = ("land", "labour", "xinjiang", "pollution")


def rows(repo: Repository, sql: str) -> list[tuple]:
    with repo.engine.connect() as conn:
        return sorted(tuple(int(v) if isinstance(v, int) else v for v in r)
                      for r in conn.execute(text(sql)))


def assert_exact(repo: Repository) -> None:
    assert rows(repo, ROLLUP) == rows(repo, TRUTH)
    assert not rows(repo, "SELECT * FROM article_day_counts WHERE articles <= 0 OR relevant < 0")


def decision(relevant: bool, topics: tuple[str, ...]) -> Decision:
    return Decision(china=relevant, protest=relevant, relevant=relevant, score=1.0,
                    topics=topics, matches=(), lexicon_version="test")


def exercise(repo: Repository) -> None:
    rng = random.Random(7)
    # Around Almaty's 2024 switch, a year end, local midnight, and undated articles.
    starts = [at("2024-02-27 12:00"), at("2020-12-30 10:00"), at("2026-11-20 17:30")]
    ids = []
    for i in range(60):
        when = None if i % 13 == 0 else rng.choice(starts) + timedelta(hours=rng.randint(0, 96))
        ids.append(add_article(
            repo, outlet=rng.choice(OUTLETS), published_at=when, title=f"article {i}",
            lang=rng.choice(("ru", "kk", "en")), relevant=rng.random() < 0.4,
            topics=tuple(rng.sample(TOPICS, rng.randint(0, 2)))))
    assert_exact(repo)
    assert rows(repo, "SELECT COUNT(*) FROM article_day_counts")[0][0] > 20

    # monitor reprocess: language, relevance and topics change (the same call it makes).
    for article_id in rng.sample(ids, 25):
        repo.update_analysis(article_id, rng.choice(("ru", "kk", "en")), "Cyrl", 0.9,
                             decision(rng.random() < 0.5, tuple(rng.sample(TOPICS, rng.randint(0, 3)))))
        assert_exact(repo)

    # Hand-made edits and deletions, in any order (cascades included).
    with repo.engine.begin() as conn:
        conn.execute(text("UPDATE articles SET published_at = NULL WHERE id = :i"), {"i": ids[1]})
        conn.execute(text("UPDATE classifications SET relevant = NOT relevant WHERE article_id = :i"),
                     {"i": ids[2]})
        conn.execute(text("DELETE FROM article_topics WHERE article_id = :i"), {"i": ids[3]})
        conn.execute(text("DELETE FROM classifications WHERE article_id = :i"), {"i": ids[4]})
        for article_id in ids[5:9]:
            conn.execute(text("DELETE FROM articles WHERE id = :i"), {"i": article_id})
    assert_exact(repo)

    # A new report zone moves every day.
    repo.sync_report_zone("America/New_York")
    assert_exact(repo)
    repo.sync_report_zone("Asia/Almaty")
    assert_exact(repo)


def test_rollup_stays_exact_on_sqlite(tmp_path: Path) -> None:
    repo = make_repository(f"sqlite:///{tmp_path / 'r.sqlite3'}")
    repo.sync_report_zone("Asia/Almaty")
    exercise(repo)


@pytest.mark.postgres
def test_rollup_stays_exact_on_postgres(postgres_url: str) -> None:
    repo = make_repository(postgres_url)
    repo.sync_report_zone("Asia/Almaty")
    exercise(repo)


def _v1_select(name: str, dialect: str) -> str:
    """Version 1's SQL of a counting view, reading version 1's counts where it names them."""
    v1 = dict(views.view_definitions(1, dialect))
    sql = v1[name]
    for inner in ("v_daily_counts", "v_weekly_counts"):
        sql = sql.replace(f"FROM {inner} c", f"FROM ({v1[inner]}) c")
    return sql


COUNTING_VIEWS = ("v_daily_counts", "v_weekly_counts", "v_daily_topic_counts",
                  "v_weekly_topic_counts")


def _same_rows_as_version_1(repo: Repository) -> None:
    dialect = repo.engine.dialect.name
    for name in COUNTING_VIEWS:
        mine = rows(repo, f"SELECT * FROM {name}")
        assert mine, name
        assert mine == rows(repo, _v1_select(name, dialect)), name


def test_counting_views_give_version_1s_rows_on_sqlite(tmp_path: Path) -> None:
    repo = make_repository(f"sqlite:///{tmp_path / 'v.sqlite3'}")
    exercise(repo)
    _same_rows_as_version_1(repo)


@pytest.mark.postgres
def test_counting_views_give_version_1s_rows_on_postgres(postgres_url: str) -> None:
    repo = make_repository(postgres_url)
    exercise(repo)
    _same_rows_as_version_1(repo)


def test_rebuild_fills_what_a_bulk_load_left_out(tmp_path: Path) -> None:
    repo = make_repository(f"sqlite:///{tmp_path / 'b.sqlite3'}")
    add_article(repo, outlet="tengrinews", published_at=at("2026-11-24 06:00"), title="a",
                relevant=True, topics=("land",))
    with repo.engine.begin() as conn:  # what a loader that skips the triggers leaves
        conn.execute(text("DELETE FROM article_day_counts"))
    assert rows(repo, ROLLUP) == []
    repo.rebuild_day_counts()
    assert_exact(repo)
    assert rows(repo, ROLLUP) == [("2026-11-24", "tengrinews", "ru", "", 1, 1),
                                  ("2026-11-24", "tengrinews", "ru", "land", 1, 1)]


def test_released_rollup_and_views_are_unchanged() -> None:
    def digest(version: int) -> str:
        import hashlib

        text_ = "\n".join(s for d in ("sqlite", "postgresql")
                          for s in views.view_create_statements(version, d))
        return hashlib.sha256(text_.encode()).hexdigest()[:16]

    assert views.CURRENT_VERSION == 2
    assert digest(2) == RELEASED_VIEWS_2, (
        "views version 2 changed; released SQL is frozen: add version 3 and a migration")
    assert views.rollup_digest() == RELEASED_ROLLUP_1, (
        "the rollup's triggers changed; released SQL is frozen: add rollup version 2 and a "
        "migration that drops version 1's triggers and creates the new ones")
