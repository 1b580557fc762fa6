"""The analysts' views: local days and ISO weeks computed alike on SQLite and PostgreSQL
(year boundaries, Almaty's 2024 switch from UTC+6 to UTC+5, another report zone), counts
with their denominators, the full-text index kept in step, released versions unchanged."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from monitor import views
from tests.reportdata import add_article, at, make_repository

# A released view version is never edited (monitor/views.py): new SQL is a new version
# and a migration. If this fails, you changed version 1; restore it and add version 2.
RELEASED = {1: "bc188e7d3727e01e"}

MOMENTS = [
    "2020-12-31 17:59", "2020-12-31 18:00", "2021-01-03 12:00", "2021-01-03 18:30",
    "2024-02-29 17:30", "2024-02-29 18:30", "2024-02-29 19:30", "2024-03-01 12:00",
    "2026-11-29 18:59", "2026-11-29 19:00", "2026-12-28 00:00", "2027-01-03 20:00",
    "2015-12-31 23:00", "2009-12-31 19:00",
]


def test_released_view_versions_are_unchanged() -> None:
    for version, digest in RELEASED.items():
        assert views.version_digest(version) == digest, (
            f"views version {version} changed; released SQL is frozen: add version "
            f"{max(RELEASED) + 1} in monitor/views.py and a migration instead")
    assert views.search_v2_digest() == "0a753801bc815e55", "search version 2 is released SQL"


def test_zone_periods_know_almatys_2024_switch() -> None:
    periods = views.zone_periods("Asia/Almaty")
    switch = next(p for p in periods if p.starts_at.year == 2024)
    assert switch.starts_at == at("2024-02-29 18:00") and switch.utc_offset_seconds == 5 * 3600
    assert periods[0].starts_at == views.ZONE_START and periods[-1].ends_at == views.ZONE_END
    for before, after in zip(periods, periods[1:], strict=False):
        assert before.ends_at == after.starts_at


def _expected(moment: datetime, zone: str) -> tuple[str, str, str]:
    day = moment.astimezone(ZoneInfo(zone)).date()
    iso = day.isocalendar()
    monday = day - timedelta(days=day.weekday())
    return day.isoformat(), f"{iso.year}-W{iso.week:02d}", monday.isoformat()


def _check_days_and_weeks(url: str) -> None:
    repo = make_repository(url)
    ids = {add_article(repo, outlet="tengrinews", published_at=at(t), title=f"t {t}"): at(t)
           for t in MOMENTS}
    undated = add_article(repo, outlet="tengrinews", published_at=None, title="undated")
    for zone in ("Asia/Almaty", "UTC", "America/New_York"):
        repo.sync_report_zone(zone)
        with repo.engine.connect() as conn:
            rows = {r[0]: tuple(r[1:]) for r in conn.execute(text(
                "SELECT article_id, published_day, published_week, week_start FROM v_articles"))}
        for article_id, moment in ids.items():
            assert rows[article_id] == _expected(moment, zone), (zone, moment)
        assert rows[undated] == (None, None, None)


def test_days_and_weeks_on_sqlite(tmp_path: Path) -> None:
    _check_days_and_weeks(f"sqlite:///{tmp_path / 'v.sqlite3'}")


@pytest.mark.postgres
def test_days_and_weeks_on_postgres(postgres_url: str) -> None:
    _check_days_and_weeks(postgres_url)


def test_the_switch_day_counts_by_the_offset_in_force(tmp_path: Path) -> None:
    repo = make_repository(f"sqlite:///{tmp_path / 's.sqlite3'}")
    add_article(repo, outlet="tengrinews", published_at=at("2024-02-29 18:30"), title="x")
    with repo.engine.connect() as conn:
        day = conn.execute(text("SELECT published_day FROM v_articles")).scalar()
    assert day == "2024-02-29"  # 23:30 local after the clocks went back; UTC+6 would say 1 March


def test_topic_counts_carry_the_denominator_of_the_same_outlets(tmp_path: Path) -> None:
    repo = make_repository(f"sqlite:///{tmp_path / 'c.sqlite3'}")
    week = "2026-11-24 06:00"
    add_article(repo, outlet="tengrinews", published_at=at(week), title="a", relevant=True,
                topics=("land", "labour"))
    add_article(repo, outlet="tengrinews", published_at=at(week), title="b", relevant=True,
                topics=("land",))
    add_article(repo, outlet="azattyq", published_at=at(week), title="c", lang="kk")
    add_article(repo, outlet="azattyq", published_at=at(week), title="d", lang="kk")
    add_article(repo, outlet="tengrinews", published_at=at(week), title="e")
    with repo.engine.connect() as conn:
        weekly = conn.execute(text(
            "SELECT topic, SUM(relevant), SUM(articles) FROM v_weekly_topic_counts "
            "WHERE week = '2026-W48' GROUP BY topic ORDER BY topic")).all()
        cells = conn.execute(text(
            "SELECT outlet, lang, articles, relevant FROM v_weekly_counts ORDER BY outlet")).all()
        daily = conn.execute(text(
            "SELECT SUM(articles), SUM(relevant) FROM v_daily_counts")).one()
    assert weekly == [("labour", 1, 5), ("land", 2, 5)]
    assert cells == [("azattyq", "kk", 2, 0), ("tengrinews", "ru", 3, 2)]
    assert tuple(daily) == (5, 2)


def test_full_text_index_follows_inserts_updates_and_deletes(tmp_path: Path) -> None:
    repo = make_repository(f"sqlite:///{tmp_path / 'f.sqlite3'}")
    article = add_article(repo, outlet="tengrinews", published_at=at("2026-11-20 10:00"),
                          title="Жители Жанаозена вышли на митинг", text="Против китайских заводов.")

    def found(query: str) -> list[int]:
        with repo.engine.connect() as conn:
            return [r[0] for r in conn.execute(
                text("SELECT rowid FROM articles_fts WHERE articles_fts MATCH :q"), {"q": query})]

    assert found('"жанаозена"') == [article] and found('"китайск" *') == [article]
    with repo.engine.begin() as conn:
        conn.execute(text("UPDATE articles SET title = 'Акимат ответил жителям' WHERE id = :i"),
                     {"i": article})
    assert found('"жанаозена"') == [] and found('"акимат"') == [article]
    with repo.engine.begin() as conn:
        conn.execute(text("DELETE FROM classifications WHERE article_id = :i"), {"i": article})
        conn.execute(text("DELETE FROM article_topics WHERE article_id = :i"), {"i": article})
        conn.execute(text("DELETE FROM articles WHERE id = :i"), {"i": article})
    assert found('"акимат"') == []


def test_views_survive_a_downgrade_and_upgrade(tmp_path: Path) -> None:
    from alembic import command

    from monitor.db import alembic_config, migrate

    repo = make_repository(f"sqlite:///{tmp_path / 'd.sqlite3'}")
    add_article(repo, outlet="tengrinews", published_at=at("2026-11-20 10:00"), title="Митинг")
    config = alembic_config(repo.engine)
    with repo.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "452716567735")  # the revision before the views
    with repo.engine.connect() as conn:
        names = {r[0] for r in conn.execute(text("SELECT name FROM sqlite_master"))}
    assert not {n for n in names if n.startswith(("v_", "articles_fts"))}
    migrate(repo.engine)
    with repo.engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM v_articles")).scalar() == 1
        assert conn.execute(text(
            "SELECT COUNT(*) FROM articles_fts WHERE articles_fts MATCH 'митинг'")).scalar() == 1


def test_iso_week_keys_for_every_day_of_a_decade_on_sqlite(tmp_path: Path) -> None:
    """The SQLite week arithmetic (no %V before 3.46) against Python's isocalendar."""
    import sqlite3

    week_expr = views._WEEK["sqlite"]  # the expression v_articles uses for published_week
    assert week_expr in dict(views.view_definitions(1, "sqlite"))["v_articles"]
    con = sqlite3.connect(":memory:")
    start = date(2015, 1, 1)
    days = [(start + timedelta(days=i)).isoformat() for i in range(3653)]
    con.execute("CREATE TABLE d (published_day TEXT)")
    con.executemany("INSERT INTO d VALUES (?)", [(d,) for d in days])
    got = [r[0] for r in con.execute(f"SELECT {week_expr} FROM d ORDER BY published_day")]
    want = [f"{date.fromisoformat(d).isocalendar().year}-W{date.fromisoformat(d).isocalendar().week:02d}"
            for d in days]
    assert got == want


@pytest.mark.postgres
def test_postgres_search_document_up_and_down(postgres_url: str) -> None:
    """Search version 2 (a stored tsvector column) replaces version 1's expression index and
    gives it back on downgrade; the same article is found either way."""
    from alembic import command

    from monitor.db import alembic_config, migrate
    from monitor.search import parse_query

    repo = make_repository(postgres_url)
    article = add_article(repo, outlet="tengrinews", published_at=at("2026-11-20 10:00"),
                          title="Митинг против завода", text="Жители против китайского завода.")
    query = parse_query('китайск* "против завода"')

    def found() -> list[int]:
        return [h["article_id"] for h in repo.search_articles(fts5=query.fts5, tsquery=query.tsquery)]

    def indexes() -> set[str]:
        with repo.engine.connect() as conn:
            return {r[0] for r in conn.execute(text(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'articles'"))}

    assert found() == [article]
    assert "ix_articles_search_document" in indexes() and "ix_articles_fts" not in indexes()
    config = alembic_config(repo.engine)
    with repo.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "8a1507d52c46")
    assert "ix_articles_fts" in indexes() and "ix_articles_search_document" not in indexes()
    migrate(repo.engine)
    assert found() == [article]
    with repo.engine.begin() as conn:  # the stored document follows edits
        conn.execute(text("UPDATE articles SET title = 'Акимат ответил', text = 'Ответ.' WHERE id = :i"),
                     {"i": article})
    assert found() == []
