"""Report schema: the analysts' SQL views and the full-text index, as versioned SQL text per
dialect (SQLite, PostgreSQL), created by Alembic migrations.

A released version is never edited: a migration created it, and the migration must rebuild
exactly that version forever (tests/test_views.py pins a hash of each one). To change a
view, add version N+1 here and a migration that drops version N and creates N+1.

Dates in the views are local calendar dates in the report time zone (MONITOR_TIMEZONE,
default Asia/Almaty): the table ``report_zone_periods`` holds that zone's UTC offsets over
time (Almaty moved from UTC+6 to UTC+5 on 2024-03-01), so SQLite and PostgreSQL compute
the same local day and the same ISO week (Monday to Sunday, key ``YYYY-Www``).

SQLite caution: Alembic's batch mode re-creates a table by renaming a copy; SQLite refuses
the rename while a view reads the table, and dropping the table drops its FTS triggers. A
migration that batch-alters ``articles``, ``outlets``, ``classifications``,
``article_topics`` or ``crawl_runs`` runs ``drop_statements`` first and
``create_statements`` after."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

CURRENT_VERSION = 1
# Created by migrations outside the models: Alembic's autogenerate must not drop them.
UNMODELLED_TABLE_PREFIX = "articles_fts"
UNMODELLED_INDEXES = frozenset({"ix_articles_fts", "ix_articles_search_document"})
UNMODELLED_COLUMNS = frozenset({("articles", "search_document")})

# The local-day expression, per dialect: UTC timestamp + the zone's offset at that instant.
_DAY = {
    "sqlite": "date(a.published_at, z.utc_offset_seconds || ' seconds')",
    "postgresql": "to_char((a.published_at AT TIME ZONE 'UTC')"
                  " + z.utc_offset_seconds * interval '1 second', 'YYYY-MM-DD')",
}
# ISO week key and its Monday from a 'YYYY-MM-DD' text day (SQLite 3.40 has no %V/%G:
# the week-year is the year of the week's Thursday, the week number counts from there).
_MONDAY_OFFSET = "((CAST(strftime('%w', d.published_day) AS INTEGER) + 6) % 7)"
_THURSDAY = f"date(d.published_day, '-' || {_MONDAY_OFFSET} || ' days', '+3 days')"
_WEEK = {
    "sqlite": f"strftime('%Y', {_THURSDAY}) || '-W' || "
              f"printf('%02d', (CAST(strftime('%j', {_THURSDAY}) AS INTEGER) - 1) / 7 + 1)",
    "postgresql": "to_char(CAST(d.published_day AS date), 'IYYY-\"W\"IW')",
}
_WEEK_START = {
    "sqlite": f"date(d.published_day, '-' || {_MONDAY_OFFSET} || ' days')",
    "postgresql": "to_char(CAST(d.published_day AS date)"
                  " - (CAST(EXTRACT(ISODOW FROM CAST(d.published_day AS date)) AS INTEGER) - 1),"
                  " 'YYYY-MM-DD')",
}


def _v1_views(dialect: str) -> list[tuple[str, str]]:
    articles = f"""
SELECT d.article_id, d.story_id, d.duplicate_kind, d.outlet, d.outlet_name, d.lang, d.script,
       d.edition_lang, d.title, d.url, d.author, d.section, d.published_at, d.published_day,
       {_WEEK[dialect]} AS published_week,
       {_WEEK_START[dialect]} AS week_start,
       substr(d.published_day, 1, 7) AS published_month,
       d.word_count, d.china, d.protest, d.relevant, d.score, d.topics, d.lexicon_version,
       d.fetched_at
FROM (
  SELECT a.id AS article_id, a.story_id, a.duplicate_kind, o.key AS outlet,
         o.name AS outlet_name, a.lang, a.script, a.edition_lang, a.title, a.url, a.author,
         a.section, a.published_at, {_DAY[dialect]} AS published_day, a.word_count,
         CASE WHEN c.china THEN 1 ELSE 0 END AS china,
         CASE WHEN c.protest THEN 1 ELSE 0 END AS protest,
         CASE WHEN c.relevant THEN 1 ELSE 0 END AS relevant,
         COALESCE(c.score, 0) AS score, COALESCE(c.topics, '') AS topics,
         c.lexicon_version, a.fetched_at
  FROM articles a
  JOIN outlets o ON o.id = a.outlet_id
  LEFT JOIN classifications c ON c.article_id = a.id
  LEFT JOIN report_zone_periods z
    ON a.published_at >= z.starts_at AND a.published_at < z.ends_at
) d"""
    article_topics = """
SELECT a.article_id, tp.topic, a.outlet, a.lang, a.published_day, a.published_week,
       a.relevant, a.score, a.title, a.url
FROM article_topics tp
JOIN v_articles a ON a.article_id = tp.article_id"""
    counts = {
        "day": ("published_day AS day", "published_day", "day"),
        "week": ("published_week AS week, week_start", "published_week, week_start", "week"),
    }
    views = [("v_articles", articles), ("v_article_topics", article_topics)]
    for period, (cols, group, key) in counts.items():
        label = "daily" if period == "day" else "weekly"
        views.append((f"v_{label}_counts", f"""
SELECT {cols}, outlet, lang, COUNT(*) AS articles, SUM(relevant) AS relevant
FROM v_articles
WHERE published_day IS NOT NULL
GROUP BY {group}, outlet, lang"""))
        src = "published_day" if period == "day" else "published_week"
        extra = ", c.week_start" if period == "week" else ""
        views.append((f"v_{label}_topic_counts", f"""
SELECT c.{key}{extra}, c.outlet, c.lang, t.topic, COALESCE(r.relevant, 0) AS relevant,
       c.articles
FROM v_{label}_counts c
CROSS JOIN (SELECT DISTINCT topic FROM article_topics) t
LEFT JOIN (
  SELECT a.{src} AS {key}, a.outlet, a.lang, tp.topic, COUNT(*) AS relevant
  FROM v_articles a
  JOIN article_topics tp ON tp.article_id = a.article_id
  WHERE a.relevant = 1 AND a.published_day IS NOT NULL
  GROUP BY a.{src}, a.outlet, a.lang, tp.topic
) r ON r.{key} = c.{key} AND r.outlet = c.outlet AND r.lang = c.lang AND r.topic = t.topic"""))
    views.append(("v_crawl_runs", """
SELECT r.id AS run_id, r.run_key, o.key AS outlet, r.lang, r.mode, r.status, r.started_at,
       r.finished_at, r.requests, r.responses, r.articles_new, r.articles_seen,
       r.articles_duplicate, r.extract_failed, r.errors, r.message
FROM crawl_runs r
JOIN outlets o ON o.id = r.outlet_id"""))
    return views


_V1_FTS = {
    "sqlite": [
        "CREATE VIRTUAL TABLE articles_fts USING fts5(title, text, content='articles', "
        "content_rowid='id', tokenize='unicode61 remove_diacritics 0')",
        "CREATE TRIGGER articles_fts_ai AFTER INSERT ON articles BEGIN "
        "INSERT INTO articles_fts(rowid, title, text) VALUES (new.id, new.title, new.text); END",
        "CREATE TRIGGER articles_fts_ad AFTER DELETE ON articles BEGIN "
        "INSERT INTO articles_fts(articles_fts, rowid, title, text) "
        "VALUES ('delete', old.id, old.title, old.text); END",
        "CREATE TRIGGER articles_fts_au AFTER UPDATE OF title, text ON articles BEGIN "
        "INSERT INTO articles_fts(articles_fts, rowid, title, text) "
        "VALUES ('delete', old.id, old.title, old.text); "
        "INSERT INTO articles_fts(rowid, title, text) VALUES (new.id, new.title, new.text); END",
        "INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')",
    ],
    "postgresql": [
        "CREATE INDEX ix_articles_fts ON articles USING gin (("
        "setweight(to_tsvector('simple'::regconfig, coalesce(title, '')), 'A') || "
        "setweight(to_tsvector('simple'::regconfig, coalesce(text, '')), 'B')))",
    ],
}
_V1_FTS_DROP = {
    "sqlite": ["DROP TRIGGER IF EXISTS articles_fts_au", "DROP TRIGGER IF EXISTS articles_fts_ad",
               "DROP TRIGGER IF EXISTS articles_fts_ai", "DROP TABLE IF EXISTS articles_fts"],
    "postgresql": ["DROP INDEX IF EXISTS ix_articles_fts"],
}

# Search version 2, PostgreSQL only: the document as a stored generated column with its own
# GIN index, in place of version 1's expression index. Matching was fast either way, but
# ranking (ts_rank) and phrase checks re-parsed every matching text from the expression:
# 25 s for a common word over 50,000 articles (bench/bench_reports.py), against a read of
# the stored vector now. SQLite's FTS5 table stores its index already and is unchanged.
_PG_VECTOR = ("setweight(to_tsvector('simple'::regconfig, coalesce(title, '')), 'A') || "
              "setweight(to_tsvector('simple'::regconfig, coalesce(text, '')), 'B')")
SEARCH_V2 = {
    "postgresql": {
        "upgrade": [
            f"ALTER TABLE articles ADD COLUMN search_document tsvector "
            f"GENERATED ALWAYS AS ({_PG_VECTOR}) STORED",
            "CREATE INDEX ix_articles_search_document ON articles USING gin (search_document)",
            "DROP INDEX IF EXISTS ix_articles_fts",
        ],
        "downgrade": [
            _V1_FTS["postgresql"][0],
            "DROP INDEX IF EXISTS ix_articles_search_document",
            "ALTER TABLE articles DROP COLUMN IF EXISTS search_document",
        ],
    },
    "sqlite": {"upgrade": [], "downgrade": []},
}
# The searched document on PostgreSQL (search version 2), for queries on ``articles a``.
PG_DOCUMENT = "a.search_document"


def _dialect(name: str) -> str:
    if name not in ("sqlite", "postgresql"):
        raise ValueError(f"views exist for sqlite and postgresql, not {name!r}")
    return name


def view_definitions(version: int, dialect: str) -> list[tuple[str, str]]:
    """(name, SELECT) of every view of ``version``, in creation order."""
    if version != 1:
        raise ValueError(f"unknown views version {version}")
    return _v1_views(_dialect(dialect))


def create_statements(version: int, dialect: str) -> list[str]:
    views = [f"CREATE VIEW {name} AS{sql}" for name, sql in view_definitions(version, dialect)]
    return views + list(_V1_FTS[_dialect(dialect)])


def drop_statements(version: int, dialect: str) -> list[str]:
    views = [f"DROP VIEW IF EXISTS {name}" for name, _ in reversed(view_definitions(version, dialect))]
    return views + list(_V1_FTS_DROP[_dialect(dialect)])


def version_digest(version: int) -> str:
    """A hash of everything ``version`` creates on both dialects (pinned by a test)."""
    text = "\n".join(s for d in ("sqlite", "postgresql") for s in create_statements(version, d))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def search_v2_digest() -> str:
    text = "\n".join(s for d in sorted(SEARCH_V2) for k in ("upgrade", "downgrade") for s in SEARCH_V2[d][k])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# ------------------------------------------------------------------ report time zone

ZONE_START = datetime(1900, 1, 1, tzinfo=UTC)
ZONE_END = datetime(2200, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class ZonePeriod:
    starts_at: datetime  # UTC, inclusive
    ends_at: datetime  # UTC, exclusive
    utc_offset_seconds: int


def zone_periods(zone: str, start: datetime = ZONE_START, end: datetime = ZONE_END) -> list[ZonePeriod]:
    """The zone's UTC offset as constant periods covering [start, end): scanned day by day,
    each change located to the second by bisection (zoneinfo has no public transition list)."""
    tz = ZoneInfo(zone)

    def offset(t: datetime) -> int:
        delta = t.astimezone(tz).utcoffset()
        return int(delta.total_seconds()) if delta is not None else 0

    periods: list[ZonePeriod] = []
    begin, current = start, offset(start)
    day = timedelta(days=1)
    t = start
    while t < end:
        nxt = min(t + day, end)
        if offset(nxt) != current and nxt < end:
            lo, hi = t, nxt  # offset(lo) == current, offset(hi) differs
            while hi - lo > timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                mid = mid.replace(microsecond=0)
                if mid <= lo:
                    break
                lo, hi = (mid, hi) if offset(mid) == current else (lo, mid)
            periods.append(ZonePeriod(begin, hi, current))
            begin, current = hi, offset(hi)
        t = nxt
    periods.append(ZonePeriod(begin, end, current))
    return periods
