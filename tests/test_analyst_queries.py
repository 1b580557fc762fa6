"""docs/analysts.md as analysts use it: every example query runs against the demo database on
SQLite and on PostgreSQL and returns rows; both databases give the same view rows and the
same search results; the generated schema block is current and every column has a meaning."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import text

from monitor import schemadoc
from monitor.db import make_engine
from tests.conftest import ROOT, monitor_env, run_monitor

DOC = ROOT / "docs" / "analysts.md"
DIALECT_TAG = re.compile(r"^--\s*(sqlite|postgresql) only\s*$", re.M)


def example_queries() -> list[tuple[str, str | None]]:
    """(sql, dialect or None for both) of every ```sql block in the document."""
    blocks = re.findall(r"```sql\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    out = []
    for block in blocks:
        tag = DIALECT_TAG.search(block)
        out.append((block.strip().rstrip(";"), tag.group(1) if tag else None))
    return out


QUERIES = example_queries()


@pytest.fixture(scope="module")
def sqlite_demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    env = monitor_env(tmp_path_factory.mktemp("analyst_lite"))
    run_monitor(["demo"], env)
    return env


@pytest.fixture(scope="module")
def postgres_demo(postgres_server, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    import psycopg

    admin = postgres_server.get_uri("postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute('DROP DATABASE IF EXISTS "t_analyst_demo" WITH (FORCE)')
        conn.execute('CREATE DATABASE "t_analyst_demo"')
    url = postgres_server.get_uri("t_analyst_demo").replace("postgresql://", "postgresql+psycopg://", 1)
    env = monitor_env(tmp_path_factory.mktemp("analyst_pg"), DATABASE_URL=url)
    run_monitor(["demo"], env)
    return env


def _url(env: dict[str, str]) -> str:
    return env.get("DATABASE_URL") or f"sqlite:///{env['MONITOR_DATA_DIR']}/monitor.sqlite3"


def test_the_document_has_at_least_ten_portable_examples() -> None:
    assert sum(1 for _, dialect in QUERIES if dialect is None) >= 10
    assert {d for _, d in QUERIES} >= {"sqlite", "postgresql"}


@pytest.mark.parametrize("number", range(len(QUERIES)), ids=lambda n: f"query{n + 1}")
def test_example_query_returns_rows_on_sqlite(sqlite_demo: dict[str, str], number: int) -> None:
    sql, dialect = QUERIES[number]
    if dialect == "postgresql":
        pytest.skip("a PostgreSQL-only example")
    with make_engine(_url(sqlite_demo)).connect() as conn:
        rows = conn.execute(text(sql)).all()
    assert rows, f"example {number + 1} of docs/analysts.md returned no rows on SQLite:\n{sql}"


@pytest.mark.postgres
@pytest.mark.parametrize("number", range(len(QUERIES)), ids=lambda n: f"query{n + 1}")
def test_example_query_returns_rows_on_postgres(postgres_demo: dict[str, str], number: int) -> None:
    sql, dialect = QUERIES[number]
    if dialect == "sqlite":
        pytest.skip("an SQLite-only example")
    with make_engine(_url(postgres_demo)).connect() as conn:
        rows = conn.execute(text(sql)).all()
    assert rows, f"example {number + 1} of docs/analysts.md returned no rows on PostgreSQL:\n{sql}"


VIEW_ROWS = {
    "v_articles": "url, outlet, lang, published_day, published_week, week_start, published_month, "
                  "china, protest, relevant, topics, duplicate_kind, word_count",
    "v_article_topics": "url, topic, outlet, lang, published_day, published_week, relevant",
    "v_daily_counts": "day, outlet, lang, articles, relevant",
    "v_weekly_counts": "week, week_start, outlet, lang, articles, relevant",
    "v_daily_topic_counts": "day, outlet, lang, topic, relevant, articles",
    "v_weekly_topic_counts": "week, week_start, outlet, lang, topic, relevant, articles",
    "v_crawl_runs": "outlet, lang, mode, status, articles_new, articles_seen",
}


@pytest.mark.postgres
@pytest.mark.parametrize("view", sorted(VIEW_ROWS))
def test_views_give_the_same_rows_on_both_databases(sqlite_demo, postgres_demo, view: str) -> None:
    found = []
    for env in (sqlite_demo, postgres_demo):
        with make_engine(_url(env)).connect() as conn:
            rows = conn.execute(text(f"SELECT {VIEW_ROWS[view]} FROM {view}")).all()
        found.append(sorted(tuple(str(v) for v in row) for row in rows))
    assert found[0], f"{view} is empty on the demo database"
    assert found[0] == found[1]


@pytest.mark.postgres
@pytest.mark.parametrize("query", ["китай*", '"land code" OR жер*', "Xinjiang OR Синьцзян*",
                                   "завод* -автозавод", "қытай*", "protest* china"])
def test_search_finds_the_same_articles_on_both_databases(sqlite_demo, postgres_demo,
                                                         query: str) -> None:
    found = []
    for env in (sqlite_demo, postgres_demo):
        hits = json.loads(run_monitor(["search", query, "--json", "--limit", "500"], env).stdout)
        found.append(sorted(h["url"] for h in hits))
    assert found[0], f"no demo article matches {query!r}"
    assert found[0] == found[1]


def test_schema_reference_is_current() -> None:
    document = DOC.read_text(encoding="utf-8")
    assert schemadoc.fill(document) == document, (
        "the schema in docs/analysts.md is stale: run "
        "`python -m monitor.schemadoc --write docs/analysts.md`")


def test_every_table_and_view_column_has_a_meaning(sqlite_demo: dict[str, str]) -> None:
    assert schemadoc.undocumented() == [], "write their meaning in monitor/schemadoc.py"
    with make_engine(_url(sqlite_demo)).connect() as conn:
        for view, (_purpose, columns) in schemadoc.VIEWS.items():
            actual = list(conn.execute(text(f"SELECT * FROM {view} LIMIT 1")).keys())
            assert actual == list(columns), f"{view}: document its columns in monitor/schemadoc.py"


def test_demo_database_answers_after_make_demo(sqlite_demo: dict[str, str], tmp_path: Path) -> None:
    """The issue's done-when: trends, search and a digest dry run on the demo database."""
    trends = json.loads(run_monitor(["trends", "--json", "--until", "2026-W48"], sqlite_demo).stdout)
    assert trends["weeks"][-1] == "2026-W48" and len(trends["weeks"]) == 12
    assert sum(t["articles"] for t in trends["totals"]) > 0
    assert run_monitor(["search", "китай*", "--lang", "ru"], sqlite_demo).stdout.count("https://") >= 3
    out = run_monitor(["digest", "--week", "2026-W48", "--dry-run", "--out", str(tmp_path)],
                      sqlite_demo).stdout
    assert "week 2026-W48" in out
    assert (tmp_path / "digest-2026-W48.eml").stat().st_size > 10_000


@pytest.mark.postgres
def test_analyst_role_reads_everything_but_changes_nothing(postgres_server, postgres_demo) -> None:
    import psycopg

    url = _url(postgres_demo).replace("postgresql+psycopg://", "postgresql://", 1)
    script = (ROOT / "deploy" / "analyst_role.sql").read_text(encoding="utf-8")
    with psycopg.connect(url, autocommit=True) as owner:
        owner.execute(script)
        owner.execute(script)  # idempotent
        owner.execute("DROP ROLE IF EXISTS test_alice")
        owner.execute("CREATE ROLE test_alice LOGIN IN ROLE monitor_analyst")
    try:
        with psycopg.connect(url, user="test_alice", autocommit=True) as conn:
            assert conn.execute("SELECT current_user").fetchone()[0] == "test_alice"
            assert conn.execute("SELECT COUNT(*) FROM v_articles").fetchone()[0] > 0
            assert conn.execute("SELECT COUNT(*) FROM matches").fetchone()[0] > 0
            for statement in ("UPDATE articles SET title = 'x'", "DELETE FROM outlets",
                              "CREATE TABLE mine (x int)", "SELECT * FROM digest_sends"):
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    conn.execute(statement)
    finally:
        with psycopg.connect(url, autocommit=True) as owner:
            owner.execute("DROP ROLE test_alice")
