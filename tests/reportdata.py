"""Report test data: articles with chosen dates, decisions and topics written straight into a
migrated database (SQLite or PostgreSQL), for the views, trends, search and digest tests
that need weeks and spikes the recorded snapshot does not have."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from sqlalchemy import select

from monitor import models as m
from monitor.db import make_engine, migrate
from monitor.registry import Registry
from monitor.repository import Repository


def make_repository(url: str) -> Repository:
    engine = make_engine(url)
    migrate(engine)
    repo = Repository(engine)
    repo.sync_outlets(Registry.load())
    return repo


def add_article(repo: Repository, *, outlet: str, published_at: datetime | None, title: str,
                text: str = "", lang: str = "ru", relevant: bool = False,
                topics: tuple[str, ...] = (), score: float = 1.0, story_of: int | None = None,
                url: str | None = None) -> int:
    """Store one article with its decision; returns its id."""
    now = datetime.now(UTC)
    body = text or f"{title}. " * 20
    digest = hashlib.sha1(f"{url}{title}{published_at}".encode()).hexdigest()
    with repo.session() as session, session.begin():
        outlet_id = session.scalar(select(m.Outlet.id).where(m.Outlet.key == outlet))
        article = m.Article(
            outlet_id=outlet_id, url=url or f"https://example.org/{outlet}/{digest}",
            fetched_url=url or f"https://example.org/{outlet}/{digest}", lang=lang, script="Cyrl",
            lang_confidence=0.99, edition_lang=lang, title=title, text=body,
            published_at=published_at, fetched_at=now, word_count=len(body.split()),
            content_hash=digest, simhash=0, story_id=story_of,
            duplicate_kind="exact" if story_of else None, created_at=now, updated_at=now,
        )
        session.add(article)
        session.flush()
        if article.story_id is None:
            article.story_id = article.id
        session.add(m.Classification(article_id=article.id, china=relevant, protest=relevant,
                                     relevant=relevant, score=score, topics=",".join(topics),
                                     lexicon_version="test", evidence={}, decided_at=now))
        for topic in topics:
            session.add(m.ArticleTopic(article_id=article.id, topic=topic))
        return article.id


def at(text: str) -> datetime:
    """An aware UTC datetime from 'YYYY-MM-DD HH:MM'."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)
