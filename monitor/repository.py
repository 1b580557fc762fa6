"""Repository: every read and write of the monitor's database lives here (the pipeline, the
CLI and the reports call these methods; no SQL elsewhere). Uniqueness is enforced by the
database's constraints, not by in-memory sets."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, Integer, cast, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from monitor import models as m
from monitor.classify import Decision
from monitor.dedupe import (
    CANDIDATE_WINDOW_DAYS,
    SIMHASH_PREFILTER_BITS,
    distance,
    is_near_duplicate,
)
from monitor.process import ProcessedArticle
from monitor.registry import Registry

URL_BATCH = 500
# A skipped page is fetched again on later runs until it has failed this often; pages that
# are simply not articles (audio bulletins, galleries, listings) are never fetched again.
SKIP_RETRY_ATTEMPTS = 3
PERMANENT_SKIPS = ("not_article", "listing", "too_large", "http_404", "http_410")


@dataclass(frozen=True)
class StoreResult:
    status: str  # new | seen | duplicate
    article_id: int | None
    story_id: int | None = None
    duplicate_kind: str | None = None  # exact | near (for "new" articles linked to a story)


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
                .values(status="interrupted", finished_at=now_utc())
            )
            return result.rowcount or 0

    # ------------------------------------------------------------ articles

    def store_article(self, item: ProcessedArticle, *, outlet_id: int, run_id: int | None) -> StoreResult:
        """Store one processed article: new, already seen (same canonical URL), or a
        duplicate (same text under another URL of the same outlet, kept as an alias).
        Copies in other outlets are stored and linked to the first article's story."""
        ex, fp = item.extracted, item.fingerprint
        with self.session() as session, session.begin():
            if session.scalar(select(m.Article.id).where(m.Article.url == ex.url)) is not None:
                return StoreResult("seen", None)
            same_text = session.execute(
                select(m.Article.id, m.Article.outlet_id, m.Article.story_id)
                .where(m.Article.content_hash == fp.content_hash).limit(20)
            ).all()
            for art_id, art_outlet, _story in same_text:
                if art_outlet == outlet_id:
                    self._add_alias(session, item.page.url, art_id)
                    return StoreResult("duplicate", art_id)
            story_id, kind = self._find_story(session, item, same_text)
            now = now_utc()
            article = m.Article(
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
                duplicate_kind=kind, warc_file=item.page.warc_file,
                warc_offset=item.page.warc_offset, warc_record_id=item.page.warc_record_id,
                crawl_run_id=run_id, created_at=now, updated_at=now,
            )
            session.add(article)
            try:
                session.flush()
            except IntegrityError:
                # Another process stored the same URL between our check and insert.
                session.rollback()
                return StoreResult("seen", None)
            if article.story_id is None:
                article.story_id = article.id
            if item.page.url != ex.url:
                self._add_alias(session, item.page.url, article.id)
            self._write_decision(session, article.id, item.decision)
            return StoreResult("new", article.id, article.story_id, kind)

    @staticmethod
    def _add_alias(session: Session, url: str, article_id: int) -> None:
        from monitor.urls import canonicalize

        alias = canonicalize(url)
        exists = session.scalar(select(m.ArticleAlias.id).where(m.ArticleAlias.url == alias))
        taken = session.scalar(select(m.Article.id).where(m.Article.url == alias))
        if exists is None and taken is None:
            session.add(m.ArticleAlias(url=alias, article_id=article_id))

    @staticmethod
    def _find_story(
        session: Session, item: ProcessedArticle, same_text: list
    ) -> tuple[int | None, str | None]:
        if same_text:
            first = min(same_text, key=lambda row: row[0])
            return (first[2] or first[0]), "exact"
        fp = item.fingerprint
        published = item.extracted.published_at
        query = select(m.Article.id, m.Article.simhash, m.Article.story_id)
        if published is not None:
            window = timedelta(days=CANDIDATE_WINDOW_DAYS)
            query = query.where(m.Article.lang == item.language.lang,
                                m.Article.published_at.between(published - window, published + window))
        else:
            query = query.where(or_(m.Article.sim_band0 == fp.bands[0], m.Article.sim_band1 == fp.bands[1],
                                    m.Article.sim_band2 == fp.bands[2], m.Article.sim_band3 == fp.bands[3]))
        close = [row for row in session.execute(query.order_by(m.Article.id).limit(20000)).all()
                 if distance(row[1], fp.simhash) <= SIMHASH_PREFILTER_BITS]
        for art_id, simhash, story in close:
            text = session.scalar(select(m.Article.text).where(m.Article.id == art_id)) or ""
            if is_near_duplicate(simhash, text, fp.simhash, item.extracted.text):
                return (story or art_id), "near"
        return None, None

    # ------------------------------------------------------------ decisions

    def _write_decision(self, session: Session, article_id: int, decision: Decision) -> None:
        row = session.scalar(
            select(m.Classification).where(m.Classification.article_id == article_id)
        )
        if row is None:
            row = m.Classification(article_id=article_id)
            session.add(row)
        row.china, row.protest, row.relevant = decision.china, decision.protest, decision.relevant
        row.score = float(decision.score)
        row.topics = ",".join(decision.topics)
        row.lexicon_version = decision.lexicon_version
        row.evidence = decision.as_json()
        row.decided_at = now_utc()
        row.matches = [
            m.Match(concept=x.concept, term=x.term[:200], location=x.where,
                    position=x.position, weight=float(x.weight))
            for x in decision.matches
        ]
        session.query(m.ArticleTopic).filter(m.ArticleTopic.article_id == article_id).delete()
        for topic in decision.topics:
            session.add(m.ArticleTopic(article_id=article_id, topic=topic))

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
