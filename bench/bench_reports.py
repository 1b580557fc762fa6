"""Report queries at scale: a synthetic SQLite database (default 50,000 articles over ten
years from 20 outlets, a tenth relevant), then the time of each view scan, `trends`, a
search and building a weekly digest (with its chart).

Run: python bench/bench_reports.py [--articles N] [--database-url URL]
(the URL must name an empty database; default: a temporary SQLite file)."""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select, text

from monitor import models as m
from monitor.classify import TOPICS
from monitor.config import Settings
from monitor.db import make_engine, migrate
from monitor.digest import build_digest
from monitor.registry import Registry
from monitor.repository import Repository
from monitor.search import parse_query
from monitor.trends import IsoWeek, weekly_trends

WORDS = ("китай завод митинг жители акимат земля аренда протест рабочие экология кредит "
         "қытай жер наразылық зауыт тұрғындар China factory protest land lease workers "
         "pollution debt Xinjiang relatives consulate рынок погода футбол выборы").split()


def fill(repo: Repository, articles: int, seed: int = 5) -> None:
    rnd = random.Random(seed)
    with repo.session() as session:
        outlet_ids = list(session.scalars(select(m.Outlet.id)))[:20]
    start = datetime(2016, 11, 1, tzinfo=UTC)
    now = datetime.now(UTC)
    batch: list[dict] = []
    decisions: list[tuple[bool, tuple[str, ...]]] = []
    for i in range(articles):
        relevant = rnd.random() < 0.1
        topics = tuple(rnd.sample(TOPICS, rnd.choice((1, 1, 2)))) if relevant else ()
        body = " ".join(rnd.choice(WORDS) for _ in range(250))
        published = start + timedelta(seconds=rnd.randrange(10 * 365 * 86400))
        batch.append(dict(
            outlet_id=rnd.choice(outlet_ids), url=f"https://example.org/{i}", fetched_url=f"https://example.org/{i}",
            lang=rnd.choice(("ru", "ru", "kk", "en")), script="Cyrl", lang_confidence=0.9, edition_lang="ru",
            title=" ".join(rnd.choice(WORDS) for _ in range(8)), text=body, published_at=published,
            fetched_at=now, word_count=250, content_hash=f"{i:040d}", simhash=0, sim_band0=0,
            sim_band1=0, sim_band2=0, sim_band3=0, story_id=i + 1, created_at=now, updated_at=now))
        decisions.append((relevant, topics))
        if len(batch) == 2000 or i == articles - 1:
            with repo.engine.begin() as conn:
                newest = select(m.Article.id).order_by(m.Article.id.desc()).limit(1)
                first = conn.execute(newest).scalar() or 0
                conn.execute(insert(m.Article), batch)
                ids = range(first + 1, first + 1 + len(batch))
                conn.execute(insert(m.Classification), [
                    dict(article_id=a, china=r, protest=r, relevant=r, score=3.0 if r else 0.1,
                         topics=",".join(t), lexicon_version="bench", evidence=None, decided_at=now)
                    for a, (r, t) in zip(ids, decisions, strict=True)])
                rows = [dict(article_id=a, topic=tp)
                        for a, (_, t) in zip(ids, decisions, strict=True) for tp in t]
                if rows:
                    conn.execute(insert(m.ArticleTopic), rows)
            batch, decisions = [], []


def timed(label: str, fn) -> object:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = fn()
    print(f"{label:<44} {time.perf_counter() - started:8.3f} s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=50_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench_reports_"))
    url = args.database_url or f"sqlite:///{folder / 'monitor.sqlite3'}"
    repo = Repository(make_engine(url))
    migrate(repo.engine)
    registry = Registry.load()
    repo.sync_outlets(registry)
    print(f"{args.articles} articles into {repo.engine.url.render_as_string(hide_password=True)}")
    timed("insert (FTS index kept by triggers)", lambda: fill(repo, args.articles))
    with repo.engine.connect() as conn:
        for view in ("v_articles", "v_weekly_counts", "v_weekly_topic_counts", "v_daily_counts"):
            n = timed(f"SELECT COUNT(*) FROM {view}",
                      lambda v=view: conn.execute(text(f"SELECT COUNT(*) FROM {v}")).scalar())
            print(f"{'':<44} {n} rows")
    end = IsoWeek.current(Settings.from_env({}).zone())
    for by in ("topic", "outlet", "lang"):
        timed(f"trends --by {by} --weeks 12",
              lambda b=by: weekly_trends(repo, by=b, weeks=12, end=end, zone="Asia/Almaty", keys=TOPICS))
    timed("trends --by topic --weeks 520",
          lambda: weekly_trends(repo, by="topic", weeks=520, end=end, zone="Asia/Almaty", keys=TOPICS))
    for query in ("китай*", '"land lease" OR жер*', "митинг завод -футбол"):
        q = parse_query(query)
        hits = timed(f"search {query!r} (limit 20)",
                     lambda q=q: repo.search_articles(fts5=q.fts5, tsquery=q.tsquery, limit=20))
        assert hits
    settings = Settings.from_env({"MONITOR_DATA_DIR": str(folder)})
    digest = timed("digest: build (queries, health, chart)",
                   lambda: build_digest(repo, settings, registry, end.shift(-1)))
    print(f"{'':<44} {digest.relevant} relevant, chart {len(digest.chart_png)} bytes")  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
