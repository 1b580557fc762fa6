"""Repository: every read and write of the monitor's database lives here (the pipeline, the
CLI and the reports call these methods; no SQL elsewhere). Uniqueness is enforced by the
database's constraints, not by in-memory sets."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import (
    Boolean,
    Connection,
    Engine,
    Integer,
    bindparam,
    cast,
    delete,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from monitor import models as m
from monitor.classify import Decision
from monitor.dedupe import (
    CANDIDATE_WINDOW_DAYS,
    SHINGLE_OVERLAP,
    SIMHASH_PREFILTER_BITS,
    distance,
    shingles,
)
from monitor.process import ProcessedArticle
from monitor.registry import Registry

URL_BATCH = 500
# A skipped page is fetched again on later runs until it has failed this often; pages that
# are simply not articles (audio bulletins, galleries, listings) are never fetched again.
SKIP_RETRY_ATTEMPTS = 3
PERMANENT_SKIPS = ("not_article", "listing", "too_large", "http_404", "http_410", "redirected")


# SQLSTATEs (PostgreSQL) and SQLite messages for a database a crawl cannot write to: no
# retry helps, the crawl stops with a clear error. Lost connections are worth waiting for.
_UNWRITABLE_STATES = {"53100", "25006", "42501", "58030"}  # disk full, read-only, denied, I/O
_UNWRITABLE_WORDS = ("readonly", "read-only", "disk is full", "no space left", "disk i/o error",
                     "unable to open database", "permission denied", "quota")


def storage_fault(exc: BaseException) -> str | None:
    """What a database error means for a running crawl: "unwritable" (read-only, disk full,
    I/O error, permissions), "unavailable" (connection lost, server restarting, database
    locked: wait and try again), or None (anything else: a bug, let it surface)."""
    from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

    if not isinstance(exc, DBAPIError):
        return None
    state = getattr(exc.orig, "sqlstate", None) or ""
    text = str(exc.orig).lower()
    if state in _UNWRITABLE_STATES or any(word in text for word in _UNWRITABLE_WORDS):
        return "unwritable"
    if exc.connection_invalidated or isinstance(exc, (OperationalError, InterfaceError)):
        return "unavailable"
    return None


# The store path runs once per crawled page: its statements are built once, with bound
# parameters, so SQLAlchemy compiles each a single time (bench/pipeline_benchmark.py).
_ART = m.Article.__table__
_ID_BY_URL = select(_ART.c.id).where(_ART.c.url == bindparam("url"))
_SAME_TEXT = (select(_ART.c.id, _ART.c.outlet_id, _ART.c.story_id)
              .where(_ART.c.content_hash == bindparam("content_hash")).limit(20))
_NEAR_IN_WINDOW = (select(_ART.c.id, _ART.c.simhash, _ART.c.story_id)
                   .where(_ART.c.lang == bindparam("lang"),
                          _ART.c.published_at.between(bindparam("lo"), bindparam("hi")))
                   .order_by(_ART.c.id).limit(20000))
_NEAR_BY_BAND = (select(_ART.c.id, _ART.c.simhash, _ART.c.story_id)
                 .where(or_(_ART.c.sim_band0 == bindparam("b0"), _ART.c.sim_band1 == bindparam("b1"),
                            _ART.c.sim_band2 == bindparam("b2"), _ART.c.sim_band3 == bindparam("b3")))
                 .order_by(_ART.c.id).limit(20000))
_TEXTS_BY_ID = select(_ART.c.id, _ART.c.text).where(_ART.c.id.in_(bindparam("ids", expanding=True)))
_ALIAS_ID = select(m.ArticleAlias.__table__.c.id).where(m.ArticleAlias.__table__.c.url == bindparam("url"))
_INSERT_ALIAS = insert(m.ArticleAlias.__table__)
_INSERT_ARTICLE = insert(_ART)
_SET_STORY = update(_ART).where(_ART.c.id == bindparam("article_id")).values(story_id=bindparam("story"))
_STORY_ORIGINAL = (select(_ART.c.id, _ART.c.published_at)
                   .where(_ART.c.story_id == bindparam("story"), _ART.c.duplicate_kind.is_(None))
                   .order_by(_ART.c.id).limit(1))
_SET_KIND = update(_ART).where(_ART.c.id == bindparam("article_id")).values(
    duplicate_kind=bindparam("kind"))
_INSERT_DECISION = insert(m.Classification.__table__)
_INSERT_MATCHES = insert(m.Match.__table__)
_INSERT_TOPICS = insert(m.ArticleTopic.__table__)


class _UrlTaken(Exception):
    """Another process stored an article's URL between our check and our insert."""


@dataclass(frozen=True)
class StoreResult:
    status: str  # new | seen | duplicate
    article_id: int | None
    story_id: int | None = None
    # exact | near: a "new" article linked to a story of other outlets' copies. The column
    # articles.duplicate_kind marks every member but the earliest published one, so which
    # copy counts as the original does not depend on the order the crawl met them.
    duplicate_kind: str | None = None


def now_utc() -> datetime:
    return datetime.now(UTC)


class Repository:
    def __init__(self, engine: Engine):
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def session(self) -> Session:
        return self._sessions()

    # ------------------------------------------------------------ outlets

    def sync_outlets(self, registry: Registry) -> dict[str, int]:
        """Insert or update one row per registry outlet; returns key -> id."""
        with self.session() as session, session.begin():
            existing = {o.key: o for o in session.scalars(select(m.Outlet))}
            for outlet in registry:
                row = existing.get(outlet.key) or m.Outlet(key=outlet.key)
                row.name = outlet.name
                row.country = outlet.country
                row.homepage = outlet.homepage
                row.languages = ",".join(outlet.languages)
                row.status = outlet.status
                row.status_reason = outlet.status_reason
                session.add(row)
            session.flush()
            return {o.key: o.id for o in session.scalars(select(m.Outlet))}

    def outlet_id(self, key: str) -> int | None:
        with self.session() as session:
            return session.scalar(select(m.Outlet.id).where(m.Outlet.key == key))

    # ------------------------------------------------------------ incremental crawling

    def known_urls(self, urls: Iterable[str]) -> set[str]:
        """Which of these canonical URLs are stored already (as articles or aliases)."""
        wanted = list(dict.fromkeys(urls))
        found: set[str] = set()
        with self.session() as session:
            for i in range(0, len(wanted), URL_BATCH):
                batch = wanted[i : i + URL_BATCH]
                found.update(session.scalars(select(m.Article.url).where(m.Article.url.in_(batch))))
                found.update(
                    session.scalars(select(m.ArticleAlias.url).where(m.ArticleAlias.url.in_(batch)))
                )
                found.update(session.scalars(
                    select(m.SkippedPage.url).where(
                        m.SkippedPage.url.in_(batch),
                        or_(m.SkippedPage.reason.in_(PERMANENT_SKIPS),
                            m.SkippedPage.attempts >= SKIP_RETRY_ATTEMPTS),
                    )
                ))
        return found

    def record_skip(self, url: str, *, outlet_id: int, reason: str, detail: str,
                    warc_file: str | None = None, warc_offset: int | None = None) -> int:
        """Remember a page that was not stored; returns how often it has been skipped."""
        from monitor.urls import canonicalize

        url = canonicalize(url)
        with self.session() as session, session.begin():
            row = session.scalar(select(m.SkippedPage).where(m.SkippedPage.url == url))
            now = now_utc()
            if row is None:
                row = m.SkippedPage(url=url, outlet_id=outlet_id, attempts=0, first_seen_at=now)
                session.add(row)
            row.attempts += 1
            row.reason, row.detail, row.last_seen_at = reason, detail[:2000], now
            row.warc_file, row.warc_offset = warc_file, warc_offset
            session.flush()
            return row.attempts

    # ------------------------------------------------------------ crawl runs

    def start_run(self, outlet_key: str, *, run_key: str, mode: str, lang: str | None) -> int:
        with self.session() as session, session.begin():
            outlet_id = session.scalar(select(m.Outlet.id).where(m.Outlet.key == outlet_key))
            if outlet_id is None:
                raise LookupError(f"outlet {outlet_key!r} is not in the database; run `monitor migrate`")
            run = m.CrawlRun(run_key=run_key, outlet_id=outlet_id, lang=lang, mode=mode,
                             status="running", started_at=now_utc())
            session.add(run)
            session.flush()
            return run.id

    def finish_run(
        self,
        run_id: int,
        *,
        status: str,
        totals: Mapping[str, int],
        counters: Mapping[tuple[str, str], int],
        message: str = "",
    ) -> None:
        """Record a run's end with its totals and its (lang, counter) breakdown."""
        with self.session() as session, session.begin():
            run = session.get(m.CrawlRun, run_id)
            if run is None:
                raise LookupError(f"crawl run {run_id} not found")
            run.status = status
            run.finished_at = now_utc()
            run.message = message[:2000]
            for name in ("requests", "responses", "articles_new", "articles_seen",
                         "articles_duplicate", "extract_failed", "errors"):
                setattr(run, name, int(totals.get(name, 0)))
            run.newest_published_at = session.scalar(
                select(func.max(m.Article.published_at)).where(m.Article.crawl_run_id == run_id)
            )
            for (lang, name), value in sorted(counters.items()):
                run.counters.append(m.CrawlCounter(lang=lang, name=name, value=int(value)))

    def record_skipped_run(self, outlet_key: str, *, run_key: str, mode: str, status: str,
                           message: str) -> int:
        """A run that contacted nothing (blocked or paused outlet), so reports say why."""
        run_id = self.start_run(outlet_key, run_key=run_key, mode=mode, lang=None)
        self.finish_run(run_id, status=status, totals={}, counters={}, message=message)
        return run_id

    def mark_interrupted_runs(self) -> int:
        """Runs left 'running' by a killed process are marked 'interrupted'."""
        with self.session() as session, session.begin():
            result = session.execute(
                update(m.CrawlRun).where(m.CrawlRun.status == "running")
                .values(status="interrupted", finished_at=now_utc(),
                        message="the crawl process ended without closing its run (killed, or its "
                                "database could not be written); "
                                "its unstored articles are fetched by the next crawl")
            )
            return result.rowcount or 0

    # ------------------------------------------------------------ articles

    def store_article(self, item: ProcessedArticle, *, outlet_id: int, run_id: int | None) -> StoreResult:
        """Store one processed article: new, already seen (same canonical URL), or a
        duplicate (same text under another URL of the same outlet, kept as an alias).
        Copies in other outlets are stored and linked to the first article's story."""
        return self.store_articles([item], outlet_id=outlet_id, run_id=run_id)[0]

    def store_articles(self, items: Sequence[ProcessedArticle], *, outlet_id: int,
                       run_id: int | None) -> list[StoreResult]:
        """``store_article`` for several articles in one transaction, in order (a later one
        sees the earlier ones: duplicates within the batch are found). All or none are
        stored: a crawl killed before the commit fetches them again, as nothing says they
        are stored. When another process stored one of the URLs meanwhile, each article
        is stored again in a transaction of its own."""
        try:
            with self.engine.begin() as conn:
                return [self._store_one(conn, item, outlet_id, run_id) for item in items]
        except _UrlTaken:
            if len(items) == 1:
                return [StoreResult("seen", None)]
        return [self.store_article(item, outlet_id=outlet_id, run_id=run_id) for item in items]

    def _store_one(self, conn: Connection, item: ProcessedArticle, outlet_id: int,
                   run_id: int | None) -> StoreResult:
        ex, fp = item.extracted, item.fingerprint
        if conn.scalar(_ID_BY_URL, {"url": ex.url}) is not None:
            return StoreResult("seen", None)
        same_text = conn.execute(_SAME_TEXT, {"content_hash": fp.content_hash}).all()
        for art_id, art_outlet, _story in same_text:
            if art_outlet == outlet_id:
                self._add_alias(conn, item.page.url, art_id)
                return StoreResult("duplicate", art_id)
        story_id, kind = self._find_story(conn, item, same_text)
        marked = kind
        if story_id is not None and ex.published_at is not None:
            original = conn.execute(_STORY_ORIGINAL, {"story": story_id}).first()
            if original is not None and original[1] is not None and ex.published_at < original[1]:
                # Published before the story's first stored copy: this one is the original.
                conn.execute(_SET_KIND, {"article_id": original[0], "kind": kind})
                marked = None
        now = now_utc()
        values = dict(
            outlet_id=outlet_id, url=ex.url, fetched_url=item.page.url,
            lang=item.language.lang, script=item.language.script,
            lang_confidence=item.language.confidence, edition_lang=item.edition_lang,
            title=ex.title, text=ex.text, author=ex.author, section=ex.section,
            description=ex.description, published_at=ex.published_at,
            published_raw=ex.published_raw, published_source=ex.published_source,
            modified_at=ex.modified_at, fetched_at=item.page.fetched_at,
            word_count=len(ex.text.split()), content_hash=fp.content_hash,
            simhash=fp.simhash, sim_band0=fp.bands[0], sim_band1=fp.bands[1],
            sim_band2=fp.bands[2], sim_band3=fp.bands[3], story_id=story_id,
            duplicate_kind=marked, warc_file=item.page.warc_file,
            warc_offset=item.page.warc_offset, warc_record_id=item.page.warc_record_id,
            crawl_run_id=run_id, created_at=now, updated_at=now,
        )
        try:
            article_id = conn.execute(_INSERT_ARTICLE, values).inserted_primary_key[0]
        except IntegrityError:
            # Another process stored the same URL between our check and insert.
            raise _UrlTaken from None
        if story_id is None:
            story_id = article_id
            conn.execute(_SET_STORY, {"article_id": article_id, "story": article_id})
        if item.page.url != ex.url:
            self._add_alias(conn, item.page.url, article_id)
        self._write_decision(conn, article_id, item.decision, new=True)
        return StoreResult("new", article_id, story_id, kind)

    @staticmethod
    def _add_alias(conn: Connection | Session, url: str, article_id: int) -> None:
        from monitor.urls import canonicalize

        alias = canonicalize(url)
        exists = conn.scalar(_ALIAS_ID, {"url": alias})
        taken = conn.scalar(_ID_BY_URL, {"url": alias})
        if exists is None and taken is None:
            conn.execute(_INSERT_ALIAS, {"url": alias, "article_id": article_id})

    @staticmethod
    def _find_story(
        conn: Connection, item: ProcessedArticle, same_text: list
    ) -> tuple[int | None, str | None]:
        if same_text:
            first = min(same_text, key=lambda row: row[0])
            return (first[2] or first[0]), "exact"
        fp = item.fingerprint
        published = item.extracted.published_at
        if published is not None:
            window = timedelta(days=CANDIDATE_WINDOW_DAYS)
            rows = conn.execute(_NEAR_IN_WINDOW, {"lang": item.language.lang,
                                                  "lo": published - window, "hi": published + window})
        else:
            rows = conn.execute(_NEAR_BY_BAND, dict(zip(("b0", "b1", "b2", "b3"), fp.bands, strict=True)))
        close = [row for row in rows.all() if distance(row[1], fp.simhash) <= SIMHASH_PREFILTER_BITS]
        if not close:
            return None, None
        # dedupe.is_near_duplicate over every candidate in id order, with this article's
        # shingles computed once and the candidates' texts read in one query: the Simhash
        # bound holds for ``close``, the overlap decides.
        mine = shingles(item.extracted.text)
        texts = dict(conn.execute(_TEXTS_BY_ID, {"ids": [row[0] for row in close]}).all())
        for art_id, _simhash, story in close:
            theirs = shingles(texts.get(art_id) or "")
            if mine and theirs and len(mine & theirs) / min(len(mine), len(theirs)) >= SHINGLE_OVERLAP:
                return (story or art_id), "near"
        return None, None

    # ------------------------------------------------------------ decisions

    def _write_decision(self, session: Connection | Session, article_id: int, decision: Decision, *,
                        new: bool = False) -> None:
        """Insert or replace an article's decision, matches and topics (``new``: the
        article was inserted in this transaction, so there is nothing to replace)."""
        table, matches, topics = (m.Classification.__table__, m.Match.__table__,
                                  m.ArticleTopic.__table__)
        values = dict(
            china=decision.china, protest=decision.protest, relevant=decision.relevant,
            score=float(decision.score), topics=",".join(decision.topics),
            lexicon_version=decision.lexicon_version, evidence=decision.as_json(),
            decided_at=now_utc(),
        )
        existing = None if new else session.scalar(
            select(table.c.id).where(table.c.article_id == article_id))
        if existing is None:
            class_id = session.execute(_INSERT_DECISION, {"article_id": article_id, **values}
                                       ).inserted_primary_key[0]
        else:
            class_id = existing
            session.execute(update(table).where(table.c.id == class_id).values(values))
            session.execute(delete(matches).where(matches.c.classification_id == class_id))
        if not new:
            session.execute(delete(topics).where(topics.c.article_id == article_id))
        if decision.matches:
            session.execute(_INSERT_MATCHES, [
                dict(classification_id=class_id, concept=x.concept, term=x.term[:200],
                     location=x.where, position=x.position, weight=float(x.weight))
                for x in decision.matches
            ])
        if decision.topics:
            session.execute(_INSERT_TOPICS, [dict(article_id=article_id, topic=t)
                                             for t in dict.fromkeys(decision.topics)])

    def update_analysis(self, article_id: int, lang: str, script: str, confidence: float,
                        decision: Decision) -> None:
        with self.session() as session, session.begin():
            article = session.get(m.Article, article_id)
            if article is None:
                raise LookupError(f"article {article_id} not found")
            article.lang, article.script, article.lang_confidence = lang, script, confidence
            article.updated_at = now_utc()
            self._write_decision(session, article_id, decision)

    def iter_articles(self, since: datetime | None = None, batch: int = 200) -> Iterator[m.Article]:
        """Stored articles with their current decision, oldest id first, in batches."""
        last_id = 0
        while True:
            with self.session() as session:
                query = select(m.Article).where(m.Article.id > last_id)
                if since is not None:
                    query = query.where(m.Article.published_at >= since)
                rows = list(session.scalars(query.order_by(m.Article.id).limit(batch)))
                for row in rows:
                    _ = row.decision  # load before the session closes
                    _ = row.outlet
            if not rows:
                return
            yield from rows
            last_id = rows[-1].id

    def count_articles(self, since: datetime | None = None) -> int:
        with self.session() as session:
            query = select(func.count(m.Article.id))
            if since is not None:
                query = query.where(m.Article.published_at >= since)
            return session.scalar(query) or 0

    # ------------------------------------------------------------ summaries

    def stats(self) -> dict:
        with self.session() as session:
            total = session.scalar(select(func.count(m.Article.id))) or 0
            relevant = session.scalar(
                select(func.count(m.Classification.id)).where(m.Classification.relevant.is_(True))
            ) or 0
            by_lang = dict(session.execute(
                select(m.Article.lang, func.count(m.Article.id)).group_by(m.Article.lang)
            ).all())
            by_outlet = dict(session.execute(
                select(m.Outlet.key, func.count(m.Article.id))
                .join(m.Article, m.Article.outlet_id == m.Outlet.id).group_by(m.Outlet.key)
            ).all())
            by_topic = dict(session.execute(
                select(m.ArticleTopic.topic, func.count(m.ArticleTopic.id))
                .join(m.Classification, m.Classification.article_id == m.ArticleTopic.article_id)
                .where(m.Classification.relevant.is_(True)).group_by(m.ArticleTopic.topic)
            ).all())
            matrix = session.execute(
                select(m.Outlet.key, m.Article.lang, func.count(m.Article.id),
                       func.sum(cast(m.Classification.relevant, Integer)))
                .join(m.Article, m.Article.outlet_id == m.Outlet.id)
                .outerjoin(m.Classification, m.Classification.article_id == m.Article.id)
                .group_by(m.Outlet.key, m.Article.lang).order_by(m.Outlet.key, m.Article.lang)
            ).all()
            stories = session.scalar(select(func.count(func.distinct(m.Article.story_id)))) or 0
        return {
            "articles": total,
            "relevant": relevant,
            "stories": stories,
            "by_language": by_lang,
            "by_outlet": by_outlet,
            "relevant_by_topic": by_topic,
            "by_outlet_language": [
                {"outlet": o, "lang": lang, "articles": n, "relevant": int(r or 0)}
                for o, lang, n, r in matrix
            ],
        }

    def latest_runs(self, run_key: str | None = None, limit: int = 50) -> list[m.CrawlRun]:
        with self.session() as session:
            query = select(m.CrawlRun).order_by(m.CrawlRun.id.desc()).limit(limit)
            if run_key:
                query = select(m.CrawlRun).where(m.CrawlRun.run_key == run_key).order_by(m.CrawlRun.id)
            runs = list(session.scalars(query))
            for run in runs:
                _ = run.outlet, run.counters
            return runs

    # ------------------------------------------------------------ reports: views, search,
    # trends, digest (issue 5). The SQL views are defined in monitor/views.py; they read
    # local days and ISO weeks from report_zone_periods, kept in step with the settings here.

    def report_zone(self) -> str | None:
        with self.session() as session:
            return session.scalar(select(m.ReportZonePeriod.zone).limit(1))

    def sync_report_zone(self, zone: str) -> bool:
        """Make the views count days and weeks in ``zone``; True when the rows changed."""
        from monitor.views import zone_periods

        if self.report_zone() == zone:
            return False
        periods = zone_periods(zone)
        with self.session() as session, session.begin():
            session.execute(delete(m.ReportZonePeriod))
            session.add_all(m.ReportZonePeriod(zone=zone, starts_at=p.starts_at, ends_at=p.ends_at,
                                               utc_offset_seconds=p.utc_offset_seconds)
                            for p in periods)
            session.flush()
            self._fill_day_counts(session)  # every local day moves with the zone
        return True

    def _fill_day_counts(self, session: Session) -> None:
        from monitor.views import rollup_fill_statements

        for statement in rollup_fill_statements(self.engine.dialect.name):
            session.execute(text(statement))

    def rebuild_day_counts(self) -> None:
        """Count article_day_counts again from the tables (after a bulk load that bypassed
        its triggers); the triggers keep it exact otherwise."""
        with self.session() as session, session.begin():
            self._fill_day_counts(session)

    @staticmethod
    def _utc_bounds(first_monday: date, last_monday: date) -> dict[str, datetime]:
        """UTC instants surely around local weeks (offsets are within a day): the views'
        dates are not indexed, published_at is, so report queries narrow by both."""
        return {"lo": datetime.combine(first_monday - timedelta(days=1), time(0), UTC),
                "hi": datetime.combine(last_monday + timedelta(days=8), time(0), UTC)}

    def _day_count_rows(self, sql: str, first_week_start: str,
                        last_week_start: str) -> list:
        """Rows of ``sql`` over article_day_counts (first column its day; :first and :last
        bound to the first and last day of the weeks whose Monday is in the range), with
        the day turned into its ISO week ('2026-W48'): the rollup's rows follow days, not
        articles (bench/trend_benchmark.py: 1M articles)."""
        first, last = date.fromisoformat(first_week_start), date.fromisoformat(last_week_start)
        first_day = first + timedelta(days=(7 - first.weekday()) % 7)  # week_start >= first
        last_day = last - timedelta(days=last.weekday()) + timedelta(days=6)  # week_start <= last
        if first_day > last_day:
            return []
        with self.engine.connect() as conn:
            rows = conn.execute(text(sql), {"first": first_day.isoformat(),
                                            "last": last_day.isoformat()}).all()
        weeks: dict[str, str] = {}
        for day, *_ in rows:
            if day not in weeks:
                year, week, _ = date.fromisoformat(day).isocalendar()
                weeks[day] = f"{year}-W{week:02d}"
        return [(weeks[day], *rest) for day, *rest in rows]

    _DAYS = "r.day >= :first AND r.day <= :last"

    def weekly_series_rows(self, by: str, first_week_start: str,
                           last_week_start: str) -> list[tuple[str, str, int, int]]:
        """(ISO week, key, relevant, articles) per week and topic, outlet or language, for
        weeks whose Monday ('YYYY-MM-DD') is in the range; the numbers of the weekly counts
        views, read from the daily rollup. For a topic, ``articles`` is 0: its denominator
        is every article of the week (weekly_totals)."""
        if by == "topic":
            sql = ("SELECT r.day, r.topic, SUM(r.relevant), 0 FROM article_day_counts r "
                   f"WHERE {self._DAYS} AND r.topic <> '' AND r.relevant > 0 "
                   "GROUP BY r.day, r.topic")
        elif by == "outlet":
            sql = ("SELECT r.day, o.key, SUM(r.relevant), SUM(r.articles) FROM article_day_counts r "
                   f"JOIN outlets o ON o.id = r.outlet_id WHERE {self._DAYS} AND r.topic = '' "
                   "GROUP BY r.day, o.key")
        elif by == "lang":
            sql = ("SELECT r.day, r.lang, SUM(r.relevant), SUM(r.articles) FROM article_day_counts r "
                   f"WHERE {self._DAYS} AND r.topic = '' GROUP BY r.day, r.lang")
        else:
            raise ValueError(f"weekly series by {by!r}: use topic, outlet or lang")
        sums: dict[tuple[str, str], list[int]] = {}
        for week, key, relevant, articles in self._day_count_rows(sql, first_week_start,
                                                                  last_week_start):
            total = sums.setdefault((week, key), [0, 0])
            total[0] += int(relevant or 0)
            total[1] += int(articles or 0)
        return [(w, k, r, n) for (w, k), (r, n) in sums.items()]

    def weekly_totals(self, first_week_start: str, last_week_start: str) -> dict[str, tuple[int, int]]:
        """ISO week -> (relevant, articles) over every outlet."""
        sums: dict[str, tuple[int, int]] = {}
        for week, relevant, articles in self._day_count_rows(
                "SELECT r.day, SUM(r.relevant), SUM(r.articles) FROM article_day_counts r "
                f"WHERE {self._DAYS} AND r.topic = '' GROUP BY r.day", first_week_start,
                last_week_start):
            r, n = sums.get(week, (0, 0))
            sums[week] = (r + int(relevant or 0), n + int(articles or 0))
        return sums

    def week_articles(self, week: str, *, relevant_only: bool = True) -> list[dict]:
        """The week's ('2026-W48') articles from v_articles, best score first."""
        year, number = (int(part) for part in week.split("-W"))
        monday = date.fromisocalendar(year, number, 1)
        query = text(
            "SELECT article_id, story_id, duplicate_kind, outlet, outlet_name, lang, title, url, "
            "published_at, published_day, score, topics, relevant FROM v_articles "
            "WHERE published_at >= :lo AND published_at < :hi AND published_week = :week"
            + (" AND relevant = 1" if relevant_only else "")
            + " ORDER BY score DESC, published_day DESC, article_id"
        ).bindparams(bindparam("lo", type_=m.UTCDateTime()), bindparam("hi", type_=m.UTCDateTime())
                     ).columns(published_at=m.UTCDateTime())
        with self.engine.connect() as conn:
            return [dict(row._mapping)
                    for row in conn.execute(query, {"week": week, **self._utc_bounds(monday, monday)})]

    def search_articles(self, *, fts5: str, tsquery: str, lang: str = "",
                        since: datetime | None = None, relevant_only: bool = False,
                        limit: int = 20) -> list[dict]:
        """Full-text search (SQLite FTS5 ``fts5`` or PostgreSQL ``tsquery``, both built by
        monitor.search from one user query), best match first, with a snippet."""
        filters, params = "", {"limit": limit}
        if lang:
            filters += " AND a.lang = :lang"
            params["lang"] = lang
        if since is not None:
            filters += " AND a.published_at >= :since"
            params["since"] = since
        if relevant_only:
            filters += " AND c.relevant = :yes"
            params["yes"] = True
        cols = ("a.id AS article_id, o.key AS outlet, a.lang, a.published_at, a.title, a.url, "
                "COALESCE(c.relevant, :no) AS relevant, COALESCE(c.topics, '') AS topics")
        params["no"] = False
        joins = ("JOIN outlets o ON o.id = a.outlet_id "
                 "LEFT JOIN classifications c ON c.article_id = a.id")
        if self.engine.dialect.name == "postgresql":
            from monitor.views import PG_DOCUMENT

            params["q"] = tsquery
            query = text(
                f"SELECT hit.*, ts_headline('simple', a2.text, to_tsquery('simple', :q), "
                "'StartSel=[, StopSel=], MaxWords=24, MinWords=8, MaxFragments=1') AS snippet "
                f"FROM (SELECT {cols}, ts_rank({PG_DOCUMENT}, to_tsquery('simple', :q)) AS rank "
                f"FROM articles a {joins} WHERE {PG_DOCUMENT} @@ to_tsquery('simple', :q)"
                f"{filters} ORDER BY rank DESC, a.published_at DESC NULLS LAST, a.id LIMIT :limit) hit "
                "JOIN articles a2 ON a2.id = hit.article_id ORDER BY hit.rank DESC, "
                "hit.published_at DESC NULLS LAST, hit.article_id"
            )
        else:
            params["q"] = fts5
            query = text(
                f"SELECT {cols}, bm25(articles_fts, 4.0, 1.0) AS rank, "
                "snippet(articles_fts, -1, '[', ']', '…', 16) AS snippet "
                f"FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid {joins} "
                f"WHERE articles_fts MATCH :q{filters} "
                "ORDER BY rank, a.published_at DESC, a.id LIMIT :limit"
            )
        typed = {"since": m.UTCDateTime(), "yes": Boolean(), "no": Boolean()}
        query = query.bindparams(
            *(bindparam(k, type_=t) for k, t in typed.items() if k in params)
        ).columns(published_at=m.UTCDateTime(), relevant=Boolean())
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query, params)]

    def digest_sends(self, week: str) -> dict[str, m.DigestSend]:
        """recipient -> its send record for the ISO week."""
        with self.session() as session:
            rows = session.scalars(select(m.DigestSend).where(m.DigestSend.week == week))
            return {row.recipient: row for row in rows}

    def record_digest_send(self, week: str, recipient: str, *, sent: bool, message_id: str = "",
                           error: str = "") -> None:
        with self.session() as session, session.begin():
            row = session.scalar(select(m.DigestSend).where(
                m.DigestSend.week == week, m.DigestSend.recipient == recipient))
            now = now_utc()
            if row is None:
                row = m.DigestSend(week=week, recipient=recipient, attempts=0, first_attempt_at=now)
                session.add(row)
            row.attempts += 1
            row.last_attempt_at = now
            row.status = "sent" if sent else "failed"
            row.message_id = message_id[:200]
            row.error = error[:2000]
            if sent:
                row.sent_at = now

    def interrupt_runs(self, run_key: str, message: str) -> int:
        """Runs of ``run_key`` still 'running' (their process was killed) become 'interrupted'."""
        with self.session() as session, session.begin():
            result = session.execute(
                update(m.CrawlRun)
                .where(m.CrawlRun.run_key == run_key, m.CrawlRun.status == "running")
                .values(status="interrupted", finished_at=now_utc(), message=message[:2000])
            )
            return result.rowcount or 0

    # ------------------------------------------------------------ backfill progress

    def finished_backfill_units(self, outlet_id: int, lang: str, kind: str) -> dict[str, str]:
        """unit -> stamp of the units (days, child sitemaps) a backfill finished."""
        with self.session() as session:
            rows = session.execute(
                select(m.BackfillProgress.unit, m.BackfillProgress.stamp).where(
                    m.BackfillProgress.outlet_id == outlet_id, m.BackfillProgress.lang == lang,
                    m.BackfillProgress.kind == kind, m.BackfillProgress.state == "done",
                )
            ).all()
        return {unit: stamp for unit, stamp in rows}

    def record_backfill_unit(self, outlet_id: int, lang: str, kind: str, unit: str, *,
                             state: str, stamp: str = "", links: int = 0, fetched: int = 0,
                             failed: int = 0, run_id: int | None = None) -> None:
        """Insert or update one backfill unit's outcome (done | failed)."""
        with self.session() as session, session.begin():
            row = session.scalar(select(m.BackfillProgress).where(
                m.BackfillProgress.outlet_id == outlet_id, m.BackfillProgress.lang == lang,
                m.BackfillProgress.kind == kind, m.BackfillProgress.unit == unit,
            ))
            if row is None:
                row = m.BackfillProgress(outlet_id=outlet_id, lang=lang, kind=kind, unit=unit)
                session.add(row)
            row.state, row.stamp, row.run_id, row.updated_at = state, stamp, run_id, now_utc()
            row.links, row.fetched, row.failed = links, fetched, failed

    def backfill_days(self, outlet_id: int, since: str, until: str) -> dict[str, dict[str, int]]:
        """Day-archive units between two ISO days, by language and state: {"ru": {"done": 3}}."""
        with self.session() as session:
            rows = session.execute(
                select(m.BackfillProgress.lang, m.BackfillProgress.state,
                       func.count(m.BackfillProgress.id))
                .where(m.BackfillProgress.outlet_id == outlet_id,
                       m.BackfillProgress.kind == "archive",
                       m.BackfillProgress.unit.between(since, until))
                .group_by(m.BackfillProgress.lang, m.BackfillProgress.state)
            ).all()
        out: dict[str, dict[str, int]] = {}
        for lang, state, n in rows:
            out.setdefault(lang, {})[state] = n
        return out

    def articles_created_since(self, outlet_id: int, since: datetime) -> int:
        """Articles of one outlet stored at or after ``since`` (a backfill's progress)."""
        with self.session() as session:
            return session.scalar(select(func.count(m.Article.id)).where(
                m.Article.outlet_id == outlet_id, m.Article.created_at >= since)) or 0

    # ------------------------------------------------------------ crawl health

    def recent_runs(self, outlet_key: str, limit: int) -> list[m.CrawlRun]:
        """The outlet's newest crawl runs (backfills left out), newest first, with counters."""
        from sqlalchemy.orm import selectinload

        with self.session() as session:
            return list(session.scalars(
                select(m.CrawlRun).join(m.Outlet, m.Outlet.id == m.CrawlRun.outlet_id)
                .where(m.Outlet.key == outlet_key, m.CrawlRun.mode != "backfill")
                .options(selectinload(m.CrawlRun.counters))
                .order_by(m.CrawlRun.id.desc()).limit(limit)
            ))

    def newest_published(self) -> dict[tuple[str, str], datetime]:
        """(outlet key, edition language) -> the newest stored article's publication time."""
        lang = func.coalesce(m.Article.edition_lang, m.Article.lang)
        with self.session() as session:
            rows = session.execute(
                select(m.Outlet.key, lang, func.max(m.Article.published_at))
                .join(m.Article, m.Article.outlet_id == m.Outlet.id).group_by(m.Outlet.key, lang)
            ).all()
        return {(key, lg): when for key, lg, when in rows if when is not None}

    def volume_between(self, start: datetime, end: datetime) -> dict[tuple[str, str], int]:
        """(outlet key, edition language) -> articles published in [start, end) (the fetch
        time stands in for articles without a date)."""
        lang = func.coalesce(m.Article.edition_lang, m.Article.lang)
        when = func.coalesce(m.Article.published_at, m.Article.fetched_at)
        with self.session() as session:
            rows = session.execute(
                select(m.Outlet.key, lang, func.count(m.Article.id))
                .join(m.Article, m.Article.outlet_id == m.Outlet.id)
                .where(when >= start, when < end).group_by(m.Outlet.key, lang)
            ).all()
        return {(key, lg): n for key, lg, n in rows}
