"""Storage schema: SQLAlchemy 2 typed models; Alembic migrations in ``migrations/`` follow
them (``alembic check`` in the tests keeps the two from drifting). Every table and column is
described in docs/analysts.md."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, on SQLite (which stores naive text) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store aware UTC datetimes only")
        from datetime import UTC

        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        from datetime import UTC

        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Outlet(Base):
    __tablename__ = "outlets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(8), default="")
    homepage: Mapped[str] = mapped_column(String(500), default="")
    languages: Mapped[str] = mapped_column(String(64), default="")  # "ru,kk,en"
    status: Mapped[str] = mapped_column(String(16), default="active")
    status_reason: Mapped[str] = mapped_column(Text, default="")


class CrawlRun(Base):
    """One crawl of one outlet (all its editions, or the one named)."""

    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_key: Mapped[str] = mapped_column(String(64), index=True)  # shared by a multi-outlet run
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlets.id"), index=True)
    lang: Mapped[str | None] = mapped_column(String(8))
    mode: Mapped[str] = mapped_column(String(16), default="live")  # live | replay | backfill
    status: Mapped[str] = mapped_column(String(16), default="running")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    requests: Mapped[int] = mapped_column(Integer, default=0)
    responses: Mapped[int] = mapped_column(Integer, default=0)
    articles_new: Mapped[int] = mapped_column(Integer, default=0)
    articles_seen: Mapped[int] = mapped_column(Integer, default=0)
    articles_duplicate: Mapped[int] = mapped_column(Integer, default=0)
    extract_failed: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    newest_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    message: Mapped[str] = mapped_column(Text, default="")

    outlet: Mapped[Outlet] = relationship()
    counters: Mapped[list[CrawlCounter]] = relationship(
        back_populates="run", cascade="all, delete-orphan"
    )


class CrawlCounter(Base):
    """Breakdown of a run by language and event (status_200, skip_too_short, blocked, ...)."""

    __tablename__ = "crawl_counters"
    __table_args__ = (UniqueConstraint("run_id", "lang", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("crawl_runs.id", ondelete="CASCADE"))
    lang: Mapped[str] = mapped_column(String(8), default="")  # "" = not tied to an edition
    name: Mapped[str] = mapped_column(String(64))
    value: Mapped[int] = mapped_column(Integer, default=0)

    run: Mapped[CrawlRun] = relationship(back_populates="counters")


class BackfillProgress(Base):
    """One finished unit of a backfill (a day archive, or a dated child sitemap taken whole):
    a restarted or repeated backfill skips the units marked done here."""

    __tablename__ = "backfill_progress"
    __table_args__ = (UniqueConstraint("outlet_id", "lang", "kind", "unit"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlets.id"))
    lang: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(16))  # archive | sitemap
    unit: Mapped[str] = mapped_column(String(1000))  # the day (YYYY-MM-DD) or the sitemap URL
    stamp: Mapped[str] = mapped_column(String(40), default="")  # a sitemap's lastmod
    state: Mapped[str] = mapped_column(String(16))  # done | failed
    links: Mapped[int] = mapped_column(Integer, default=0)  # article links it listed
    fetched: Mapped[int] = mapped_column(Integer, default=0)  # of which were requested
    failed: Mapped[int] = mapped_column(Integer, default=0)  # requests that failed
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Article(Base):
    __tablename__ = "articles"
    __table_args__ = (
        Index("ix_articles_outlet_published", "outlet_id", "published_at"),
        Index("ix_articles_lang_published", "lang", "published_at"),
        Index("ix_articles_sim_band0", "sim_band0"),
        Index("ix_articles_sim_band1", "sim_band1"),
        Index("ix_articles_sim_band2", "sim_band2"),
        Index("ix_articles_sim_band3", "sim_band3"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlets.id"))
    url: Mapped[str] = mapped_column(String(2048), unique=True)  # canonical
    fetched_url: Mapped[str] = mapped_column(String(2048))
    lang: Mapped[str] = mapped_column(String(8))  # searched by ix_articles_lang_published
    script: Mapped[str] = mapped_column(String(8), default="")
    lang_confidence: Mapped[float] = mapped_column(Float, default=0.0)
    edition_lang: Mapped[str | None] = mapped_column(String(8))  # the outlet edition's language
    title: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(String(500))
    section: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    published_raw: Mapped[str | None] = mapped_column(String(200))
    published_source: Mapped[str | None] = mapped_column(String(16))
    modified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime())
    word_count: Mapped[int] = mapped_column(Integer, default=0)
    content_hash: Mapped[str] = mapped_column(String(40), index=True)
    simhash: Mapped[int] = mapped_column(BigInteger, default=0)
    sim_band0: Mapped[int] = mapped_column(Integer, default=0)
    sim_band1: Mapped[int] = mapped_column(Integer, default=0)
    sim_band2: Mapped[int] = mapped_column(Integer, default=0)
    sim_band3: Mapped[int] = mapped_column(Integer, default=0)
    story_id: Mapped[int | None] = mapped_column(Integer, index=True)  # first article of the story
    duplicate_kind: Mapped[str | None] = mapped_column(String(16))  # exact | near | None
    warc_file: Mapped[str | None] = mapped_column(String(500))
    warc_offset: Mapped[int | None] = mapped_column(BigInteger)
    warc_record_id: Mapped[str | None] = mapped_column(String(100))
    crawl_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    outlet: Mapped[Outlet] = relationship()
    decision: Mapped[Classification | None] = relationship(
        back_populates="article", cascade="all, delete-orphan", uselist=False
    )


class ArticleAlias(Base):
    """Other URLs that led to a stored article (same text): never fetched again."""

    __tablename__ = "article_aliases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)


class SkippedPage(Base):
    """A fetched page that was not stored as an article, with the reason: kept so nothing
    is lost silently, and so that non-articles are not fetched again every night."""

    __tablename__ = "skipped_pages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlets.id"), index=True)
    reason: Mapped[str] = mapped_column(String(32), index=True)
    detail: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    warc_file: Mapped[str | None] = mapped_column(String(500))
    warc_offset: Mapped[int | None] = mapped_column(BigInteger)


class Classification(Base):
    """The current decision for an article, with the evidence that produced it."""

    __tablename__ = "classifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), unique=True
    )
    china: Mapped[bool] = mapped_column(Boolean, default=False)
    protest: Mapped[bool] = mapped_column(Boolean, default=False)
    relevant: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    topics: Mapped[str] = mapped_column(String(200), default="")  # comma-separated keys
    lexicon_version: Mapped[str] = mapped_column(String(40), default="")
    evidence: Mapped[dict | None] = mapped_column(JSON)  # the full Decision, for auditing
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime())

    article: Mapped[Article] = relationship(back_populates="decision")
    matches: Mapped[list[Match]] = relationship(
        back_populates="classification", cascade="all, delete-orphan"
    )


class ArticleTopic(Base):
    __tablename__ = "article_topics"
    __table_args__ = (UniqueConstraint("article_id", "topic"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    topic: Mapped[str] = mapped_column(String(32), index=True)


class Match(Base):
    __tablename__ = "matches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    classification_id: Mapped[int] = mapped_column(
        ForeignKey("classifications.id", ondelete="CASCADE"), index=True
    )
    concept: Mapped[str] = mapped_column(String(64))
    term: Mapped[str] = mapped_column(String(200))
    location: Mapped[str] = mapped_column(String(8))  # title | lead | body
    position: Mapped[int] = mapped_column(Integer)
    weight: Mapped[float] = mapped_column(Float, default=1.0)

    classification: Mapped[Classification] = relationship(back_populates="matches")


# ------------------------------------------------------------------ reports (views, digest)


class ReportZonePeriod(Base):
    """The report time zone's UTC offset over time; the SQL views (monitor/views.py) use it
    to turn published_at into a local day and ISO week on SQLite and PostgreSQL alike."""

    __tablename__ = "report_zone_periods"
    # The views join every article to its period (starts_at <= t < ends_at): searched by
    # ends_at, a recent article meets one period instead of every earlier one.
    __table_args__ = (Index("ix_report_zone_periods_ends_at", "ends_at", "starts_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    zone: Mapped[str] = mapped_column(String(64))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    utc_offset_seconds: Mapped[int] = mapped_column(Integer)


class ArticleDayCount(Base):
    """Articles per local day (report time zone), outlet, language and topic: the rollup the
    counting views and `monitor trends` read, so their cost follows days, not articles.
    Kept exact by triggers on articles, classifications and article_topics (any writer, a
    reprocess included) and rebuilt when the report zone changes (monitor/views.py)."""

    __tablename__ = "article_day_counts"

    day: Mapped[str] = mapped_column(String(10), primary_key=True)  # local YYYY-MM-DD
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlets.id"), primary_key=True)
    lang: Mapped[str] = mapped_column(String(8), primary_key=True)
    topic: Mapped[str] = mapped_column(String(32), primary_key=True)  # "" = every article
    articles: Mapped[int] = mapped_column(Integer, default=0)
    relevant: Mapped[int] = mapped_column(Integer, default=0)


class DigestSend(Base):
    """One weekly digest to one recipient: sent once; a failed send is retried next run."""

    __tablename__ = "digest_sends"
    __table_args__ = (UniqueConstraint("week", "recipient"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    week: Mapped[str] = mapped_column(String(8), index=True)  # ISO week, 2026-W48
    recipient: Mapped[str] = mapped_column(String(320))
    status: Mapped[str] = mapped_column(String(16))  # sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    message_id: Mapped[str] = mapped_column(String(200), default="")
    error: Mapped[str] = mapped_column(Text, default="")
    first_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
