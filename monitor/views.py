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

CURRENT_VERSION = 2
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


# Version 2: the counting views read the daily rollup (article_day_counts, below) instead
# of grouping v_articles: the same rows, at a cost that follows the number of days shown
# rather than the number of articles (bench/trend_benchmark.py: 1M articles). v_articles,
# v_article_topics and v_crawl_runs are version 1's SQL unchanged.
_TOPICS = "(SELECT DISTINCT topic FROM article_topics)"


def _v2_views(dialect: str) -> list[tuple[str, str]]:
    kept = dict(_v1_views(dialect))
    day_rows = """
  SELECT r.day AS published_day, o.key AS outlet, r.lang, r.topic, r.articles, r.relevant
  FROM article_day_counts r
  JOIN outlets o ON o.id = r.outlet_id"""
    weekly = f"""
SELECT {_WEEK[dialect]} AS week, {_WEEK_START[dialect]} AS week_start, d.outlet, d.lang,
       SUM(d.articles) AS articles, SUM(d.relevant) AS relevant
FROM ({day_rows}
  WHERE r.topic = ''
) d
GROUP BY {_WEEK[dialect]}, {_WEEK_START[dialect]}, d.outlet, d.lang"""
    weekly_topics = f"""
SELECT c.week, c.week_start, c.outlet, c.lang, t.topic, COALESCE(r.relevant, 0) AS relevant,
       c.articles
FROM v_weekly_counts c
CROSS JOIN {_TOPICS} t
LEFT JOIN (
  SELECT {_WEEK[dialect]} AS week, d.outlet, d.lang, d.topic, SUM(d.relevant) AS relevant
  FROM ({day_rows}
    WHERE r.topic <> ''
  ) d
  GROUP BY {_WEEK[dialect]}, d.outlet, d.lang, d.topic
) r ON r.week = c.week AND r.outlet = c.outlet AND r.lang = c.lang AND r.topic = t.topic"""
    return [
        ("v_articles", kept["v_articles"]),
        ("v_article_topics", kept["v_article_topics"]),
        ("v_daily_counts", """
SELECT r.day, o.key AS outlet, r.lang, r.articles, r.relevant
FROM article_day_counts r
JOIN outlets o ON o.id = r.outlet_id
WHERE r.topic = ''"""),
        ("v_daily_topic_counts", f"""
SELECT c.day, o.key AS outlet, c.lang, t.topic, COALESCE(r.relevant, 0) AS relevant,
       c.articles
FROM article_day_counts c
JOIN outlets o ON o.id = c.outlet_id
CROSS JOIN {_TOPICS} t
LEFT JOIN article_day_counts r
  ON r.day = c.day AND r.outlet_id = c.outlet_id AND r.lang = c.lang AND r.topic = t.topic
WHERE c.topic = ''"""),
        ("v_weekly_counts", weekly),
        ("v_weekly_topic_counts", weekly_topics),
        ("v_crawl_runs", kept["v_crawl_runs"]),
    ]


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
    if version == 1:
        return _v1_views(_dialect(dialect))
    if version == 2:
        return _v2_views(_dialect(dialect))
    raise ValueError(f"unknown views version {version}")


def view_create_statements(version: int, dialect: str) -> list[str]:
    """The views of ``version`` alone (the full-text index is left as it is)."""
    return [f"CREATE VIEW {name} AS{sql}" for name, sql in view_definitions(version, dialect)]


def view_drop_statements(version: int, dialect: str) -> list[str]:
    return [f"DROP VIEW IF EXISTS {name}" for name, _ in reversed(view_definitions(version, dialect))]


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


# ------------------------------------------------------------------ daily counts (rollup)
# article_day_counts holds, per local day, outlet, language and topic ("" for every
# article), how many articles there are and how many are relevant. Triggers keep it exact
# whatever writes the three tables it summarises (the pipeline, `monitor reprocess`, a
# hand-made fix): an article counts on its local day (the views' _DAY arithmetic), its
# decision adds its relevance, each of its topics a topic row. Rows fall to zero and go.
# Deleting an article recounts its one day, outlet and language (cascaded deletes of its
# decision and topics may come before or after). A change of report zone moves every day:
# sync_report_zone fills the table again (rollup_fill_statements). Released SQL like the
# views: a change is rollup version 2 and a migration (tests/test_rollup.py pins a hash).
# SQLite: a migration that batch-alters (re-creates) articles, classifications or
# article_topics loses their triggers, and must run rollup_trigger_statements again.

ROLLUP_VERSION = 1
_ADC = "article_day_counts"
_ADC_INSERT = f"INSERT INTO {_ADC} (day, outlet_id, lang, topic, articles, relevant) "
_ADC_UPSERT = (f" ON CONFLICT (day, outlet_id, lang, topic) DO UPDATE SET "
               f"articles = {_ADC}.articles + excluded.articles, "
               f"relevant = {_ADC}.relevant + excluded.relevant")


def _fill(dialect: str) -> list[str]:
    """Every row again, from the tables (a new report zone, the migration, a bulk load)."""
    per_article = f"""
  SELECT {_DAY[dialect]} AS day, a.id, a.outlet_id, a.lang,
         CASE WHEN c.relevant THEN 1 ELSE 0 END AS rel
  FROM articles a
  LEFT JOIN classifications c ON c.article_id = a.id
  JOIN report_zone_periods z ON a.published_at >= z.starts_at AND a.published_at < z.ends_at"""
    return [
        f"DELETE FROM {_ADC}",
        f"{_ADC_INSERT}SELECT k.day, k.outlet_id, k.lang, '', COUNT(*), SUM(k.rel) "
        f"FROM ({per_article}) k GROUP BY k.day, k.outlet_id, k.lang",
        f"{_ADC_INSERT}SELECT k.day, k.outlet_id, k.lang, tp.topic, COUNT(*), SUM(k.rel) "
        f"FROM ({per_article}) k JOIN article_topics tp ON tp.article_id = k.id "
        f"GROUP BY k.day, k.outlet_id, k.lang, tp.topic",
    ]


# SQLite: triggers cannot call functions, so each body spells its statements out.
def _sq_day(ts: str) -> str:
    expr = _DAY["sqlite"].replace("a.published_at", ts)
    return (f"(SELECT {expr} FROM report_zone_periods z "
            f"WHERE {ts} >= z.starts_at AND {ts} < z.ends_at)")


def _sq_rel(article_id: str) -> str:
    return (f"COALESCE((SELECT CASE WHEN c.relevant THEN 1 ELSE 0 END FROM classifications c "
            f"WHERE c.article_id = {article_id}), 0)")


def _sq_key(article_id: str, extra: str = "") -> str:
    """The article's (day, outlet_id, lang[, extra]) as a one-row subquery (none if gone)."""
    return (f"(SELECT {_sq_day('a.published_at')} AS day, a.outlet_id, a.lang{extra} "
            f"FROM articles a WHERE a.id = {article_id})")


def _sq_prune(article_id: str) -> str:
    return (f"DELETE FROM {_ADC} WHERE articles = 0 AND (day, outlet_id, lang) IN "
            f"(SELECT k.day, k.outlet_id, k.lang FROM {_sq_key(article_id)} k);")


def _sq_article(row: str, sign: int) -> list[str]:
    """An article's whole contribution, added (+1) or taken away (-1), ``row`` NEW or OLD."""
    k = f"(SELECT {_sq_day(row + '.published_at')} AS day, {_sq_rel(row + '.id')} AS rel) k"
    out = [
        f"{_ADC_INSERT}SELECT k.day, {row}.outlet_id, {row}.lang, '', {sign}, {sign} * k.rel "
        f"FROM {k} WHERE k.day IS NOT NULL{_ADC_UPSERT};",
        f"{_ADC_INSERT}SELECT k.day, {row}.outlet_id, {row}.lang, tp.topic, {sign}, {sign} * k.rel "
        f"FROM {k} JOIN article_topics tp ON tp.article_id = {row}.id "
        f"WHERE k.day IS NOT NULL{_ADC_UPSERT};",
    ]
    if sign < 0:
        out.append(f"DELETE FROM {_ADC} WHERE articles = 0 AND day = {_sq_day(row + '.published_at')} "
                   f"AND outlet_id = {row}.outlet_id AND lang = {row}.lang;")
    return out


def _sq_relevance(article_id: str, delta: str) -> list[str]:
    """A decision's relevance (``delta``: an SQL expression, +1 or -1) on the article's rows."""
    return [
        f"{_ADC_INSERT}SELECT k.day, k.outlet_id, k.lang, '', 0, {delta} "
        f"FROM {_sq_key(article_id)} k WHERE k.day IS NOT NULL{_ADC_UPSERT};",
        f"{_ADC_INSERT}SELECT k.day, k.outlet_id, k.lang, tp.topic, 0, {delta} "
        f"FROM {_sq_key(article_id)} k JOIN article_topics tp ON tp.article_id = {article_id} "
        f"WHERE k.day IS NOT NULL{_ADC_UPSERT};",
    ]


def _sq_topic(row: str, sign: int) -> list[str]:
    """One topic row of an article added or taken away."""
    key = _sq_key(f"{row}.article_id", f", {_sq_rel('a.id')} AS rel")
    out = [f"{_ADC_INSERT}SELECT k.day, k.outlet_id, k.lang, {row}.topic, {sign}, {sign} * k.rel "
           f"FROM {key} k WHERE k.day IS NOT NULL{_ADC_UPSERT};"]
    if sign < 0:
        out.append(_sq_prune(f"{row}.article_id"))
    return out


def _sq_recount(row: str) -> list[str]:
    """The day, outlet and language of a deleted article counted again from the tables."""
    day = _sq_day(f"{row}.published_at")
    near = (f"a.outlet_id = {row}.outlet_id AND a.lang = {row}.lang "
            f"AND a.published_at >= date({row}.published_at, '-2 days') "
            f"AND a.published_at < date({row}.published_at, '+3 days')")
    per_article = (f"(SELECT {_sq_day('a.published_at')} AS day, a.id, a.outlet_id, a.lang, "
                   f"{_sq_rel('a.id')} AS rel FROM articles a WHERE {near}) k")
    return [
        f"DELETE FROM {_ADC} WHERE day = {day} AND outlet_id = {row}.outlet_id AND lang = {row}.lang;",
        f"{_ADC_INSERT}SELECT k.day, k.outlet_id, k.lang, '', COUNT(*), SUM(k.rel) "
        f"FROM {per_article} WHERE k.day = {day} GROUP BY k.day, k.outlet_id, k.lang;",
        f"{_ADC_INSERT}SELECT k.day, k.outlet_id, k.lang, tp.topic, COUNT(*), SUM(k.rel) "
        f"FROM {per_article} JOIN article_topics tp ON tp.article_id = k.id "
        f"WHERE k.day = {day} GROUP BY k.day, k.outlet_id, k.lang, tp.topic;",
    ]


def _sqlite_triggers() -> list[tuple[str, str, list[str]]]:
    """(name, event, statements) of the SQLite triggers."""
    moved = "OLD.published_at IS NOT NEW.published_at OR OLD.outlet_id IS NOT NEW.outlet_id " \
            "OR OLD.lang IS NOT NEW.lang"
    return [
        ("adc_article_ai", "AFTER INSERT ON articles", _sq_article("NEW", 1)),
        ("adc_article_ad", "AFTER DELETE ON articles", _sq_recount("OLD")),
        ("adc_article_au", f"AFTER UPDATE OF published_at, outlet_id, lang ON articles WHEN {moved}",
         _sq_article("OLD", -1) + _sq_article("NEW", 1)),
        ("adc_decision_ai", "AFTER INSERT ON classifications WHEN NEW.relevant",
         _sq_relevance("NEW.article_id", "1")),
        ("adc_decision_ad", "AFTER DELETE ON classifications WHEN OLD.relevant",
         _sq_relevance("OLD.article_id", "-1")),
        ("adc_decision_au", "AFTER UPDATE OF relevant, article_id ON classifications WHEN "
         "OLD.relevant IS NOT NEW.relevant OR OLD.article_id IS NOT NEW.article_id",
         _sq_relevance("OLD.article_id", "-(CASE WHEN OLD.relevant THEN 1 ELSE 0 END)")
         + _sq_relevance("NEW.article_id", "CASE WHEN NEW.relevant THEN 1 ELSE 0 END")),
        ("adc_topic_ai", "AFTER INSERT ON article_topics", _sq_topic("NEW", 1)),
        ("adc_topic_ad", "AFTER DELETE ON article_topics", _sq_topic("OLD", -1)),
        ("adc_topic_au", "AFTER UPDATE OF topic, article_id ON article_topics",
         _sq_topic("OLD", -1) + _sq_topic("NEW", 1)),
    ]



# PostgreSQL: the same rules as functions, and one trigger per table.
def _pg_functions() -> list[str]:
    day = _DAY["postgresql"].replace("a.published_at", "p_at")
    upsert = _ADC_UPSERT.replace("excluded.", "EXCLUDED.")
    return [
        f"""CREATE FUNCTION adc_day(p_at timestamptz) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT {day} FROM report_zone_periods z
  WHERE p_at >= z.starts_at AND p_at < z.ends_at LIMIT 1 $$""",
        """CREATE FUNCTION adc_rel(p_id integer) RETURNS integer LANGUAGE sql STABLE AS $$
  SELECT COALESCE((SELECT CASE WHEN c.relevant THEN 1 ELSE 0 END FROM classifications c
                   WHERE c.article_id = p_id), 0) $$""",
        f"""CREATE FUNCTION adc_add(p_day text, p_outlet integer, p_lang text, p_topic text,
                        p_articles integer, p_relevant integer) RETURNS void LANGUAGE sql AS $$
  {_ADC_INSERT}SELECT p_day, p_outlet, p_lang, p_topic, p_articles, p_relevant
  WHERE p_day IS NOT NULL{upsert} $$""",
        f"""CREATE FUNCTION adc_article(p_id integer, p_at timestamptz, p_outlet integer,
                            p_lang text, p_sign integer) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  d text := adc_day(p_at);
  r integer := adc_rel(p_id);
BEGIN
  IF d IS NULL THEN RETURN; END IF;
  PERFORM adc_add(d, p_outlet, p_lang, '', p_sign, p_sign * r);
  PERFORM adc_add(d, p_outlet, p_lang, tp.topic, p_sign, p_sign * r)
    FROM article_topics tp WHERE tp.article_id = p_id;
  IF p_sign < 0 THEN
    DELETE FROM {_ADC} WHERE articles = 0 AND day = d AND outlet_id = p_outlet AND lang = p_lang;
  END IF;
END $$""",
        """CREATE FUNCTION adc_relevance(p_id integer, p_delta integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  a record;
  d text;
BEGIN
  SELECT published_at, outlet_id, lang INTO a FROM articles WHERE id = p_id;
  IF NOT FOUND THEN RETURN; END IF;
  d := adc_day(a.published_at);
  IF d IS NULL THEN RETURN; END IF;
  PERFORM adc_add(d, a.outlet_id, a.lang, '', 0, p_delta);
  PERFORM adc_add(d, a.outlet_id, a.lang, tp.topic, 0, p_delta)
    FROM article_topics tp WHERE tp.article_id = p_id;
END $$""",
        f"""CREATE FUNCTION adc_topic(p_id integer, p_topic text, p_sign integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  a record;
  d text;
BEGIN
  SELECT published_at, outlet_id, lang INTO a FROM articles WHERE id = p_id;
  IF NOT FOUND THEN RETURN; END IF;
  d := adc_day(a.published_at);
  IF d IS NULL THEN RETURN; END IF;
  PERFORM adc_add(d, a.outlet_id, a.lang, p_topic, p_sign, p_sign * adc_rel(p_id));
  IF p_sign < 0 THEN
    DELETE FROM {_ADC} WHERE articles = 0 AND day = d AND outlet_id = a.outlet_id
      AND lang = a.lang AND topic = p_topic;
  END IF;
END $$""",
        f"""CREATE FUNCTION adc_recount(p_at timestamptz, p_outlet integer, p_lang text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  d text := adc_day(p_at);
BEGIN
  IF d IS NULL THEN RETURN; END IF;
  DELETE FROM {_ADC} WHERE day = d AND outlet_id = p_outlet AND lang = p_lang;
  {_ADC_INSERT}SELECT d, p_outlet, p_lang, '', COUNT(*), SUM(adc_rel(a.id)) FROM articles a
    WHERE a.outlet_id = p_outlet AND a.lang = p_lang AND a.published_at >= p_at - interval '2 days'
      AND a.published_at < p_at + interval '3 days' AND adc_day(a.published_at) = d
    HAVING COUNT(*) > 0;
  {_ADC_INSERT}SELECT d, p_outlet, p_lang, tp.topic, COUNT(*), SUM(adc_rel(a.id)) FROM articles a
    JOIN article_topics tp ON tp.article_id = a.id
    WHERE a.outlet_id = p_outlet AND a.lang = p_lang AND a.published_at >= p_at - interval '2 days'
      AND a.published_at < p_at + interval '3 days' AND adc_day(a.published_at) = d
    GROUP BY tp.topic;
END $$""",
        """CREATE FUNCTION adc_articles_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM adc_article(NEW.id, NEW.published_at, NEW.outlet_id, NEW.lang, 1);
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM adc_recount(OLD.published_at, OLD.outlet_id, OLD.lang);
  ELSIF (OLD.published_at, OLD.outlet_id, OLD.lang)
        IS DISTINCT FROM (NEW.published_at, NEW.outlet_id, NEW.lang) THEN
    PERFORM adc_article(OLD.id, OLD.published_at, OLD.outlet_id, OLD.lang, -1);
    PERFORM adc_article(NEW.id, NEW.published_at, NEW.outlet_id, NEW.lang, 1);
  END IF;
  RETURN NULL;
END $$""",
        """CREATE FUNCTION adc_decisions_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    IF OLD.relevant IS NOT DISTINCT FROM NEW.relevant AND OLD.article_id = NEW.article_id THEN
      RETURN NULL;
    END IF;
  END IF;
  IF TG_OP <> 'INSERT' THEN
    IF OLD.relevant THEN PERFORM adc_relevance(OLD.article_id, -1); END IF;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    IF NEW.relevant THEN PERFORM adc_relevance(NEW.article_id, 1); END IF;
  END IF;
  RETURN NULL;
END $$""",
        """CREATE FUNCTION adc_topics_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN PERFORM adc_topic(OLD.article_id, OLD.topic, -1); END IF;
  IF TG_OP <> 'DELETE' THEN PERFORM adc_topic(NEW.article_id, NEW.topic, 1); END IF;
  RETURN NULL;
END $$""",
    ]


_PG_TRIGGERS = (
    ("adc_articles", "articles", "INSERT OR DELETE OR UPDATE OF published_at, outlet_id, lang",
     "adc_articles_trigger"),
    ("adc_decisions", "classifications", "INSERT OR DELETE OR UPDATE OF relevant, article_id",
     "adc_decisions_trigger"),
    ("adc_topics", "article_topics", "INSERT OR DELETE OR UPDATE OF topic, article_id",
     "adc_topics_trigger"),
)
_PG_FUNCTIONS = ("adc_topics_trigger()", "adc_decisions_trigger()", "adc_articles_trigger()",
                 "adc_recount(timestamptz, integer, text)", "adc_topic(integer, text, integer)",
                 "adc_relevance(integer, integer)",
                 "adc_article(integer, timestamptz, integer, text, integer)",
                 "adc_add(text, integer, text, text, integer, integer)", "adc_rel(integer)",
                 "adc_day(timestamptz)")


def rollup_trigger_statements(dialect: str) -> list[str]:
    """What keeps article_day_counts exact: the triggers (and PostgreSQL's functions)."""
    if _dialect(dialect) == "sqlite":
        return [f"CREATE TRIGGER {name} {event} BEGIN {' '.join(body)} END"
                for name, event, body in _sqlite_triggers()]
    return _pg_functions() + [
        f"CREATE TRIGGER {name} AFTER {events} ON {table} FOR EACH ROW EXECUTE FUNCTION {fn}()"
        for name, table, events, fn in _PG_TRIGGERS]


def rollup_trigger_drop_statements(dialect: str) -> list[str]:
    if _dialect(dialect) == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {name}" for name, _, _ in reversed(_sqlite_triggers())]
    return ([f"DROP TRIGGER IF EXISTS {name} ON {table}" for name, table, _, _ in _PG_TRIGGERS]
            + [f"DROP FUNCTION IF EXISTS {fn}" for fn in _PG_FUNCTIONS])


def rollup_fill_statements(dialect: str) -> list[str]:
    """Empty article_day_counts and count every article again (one transaction's work)."""
    return _fill(_dialect(dialect))


def rollup_digest() -> str:
    """A hash of the rollup's released SQL on both dialects (pinned by tests/test_rollup.py)."""
    text = "\n".join(s for d in ("sqlite", "postgresql")
                     for s in rollup_trigger_statements(d) + rollup_fill_statements(d))
    return hashlib.sha256(f"{ROLLUP_VERSION}\n{text}".encode()).hexdigest()[:16]


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
