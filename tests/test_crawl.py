"""The real spiders, run as `monitor crawl` in a subprocess, against a loopback web server
that serves the recorded outlets under their real host names."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from monitor.archive import read_record
from monitor.snapshot import Response
from tests.conftest import monitor_env, run_monitor, stats
from tests.sitesrv import SiteServer

OUTLETS = ["--outlet", "tengrinews", "--outlet", "rferl"]


def crawl_env(tmp: Path, site: SiteServer) -> dict[str, str]:
    return monitor_env(tmp, MONITOR_ORIGIN_OVERRIDE=site.origin, MONITOR_DOWNLOAD_DELAY="0",
                       MONITOR_RETRY_BACKOFF_BASE="0")


def db(tmp: Path) -> sqlite3.Connection:
    return sqlite3.connect(tmp / "monitor.sqlite3")


def test_crawl_stores_archives_and_never_refetches(tmp_path: Path, site: SiteServer,
                                                   snapshot_responses: list[Response]) -> None:
    env = crawl_env(tmp_path, site)
    run_monitor(["crawl", *OUTLETS], env)
    first = stats(env)
    assert first["by_outlet"]["tengrinews"] >= 25 and first["by_outlet"]["rferl"] >= 5
    assert set(first["by_language"]) == {"ru", "kk", "en"}
    assert site.requested("https://tengrinews.kz/robots.txt") == 1
    assert all("KZChinaMonitor" in r.headers.get("user-agent", "") for r in site.log)

    rows = db(tmp_path).execute("select url, warc_file, warc_offset from articles").fetchall()
    for url, warc_file, offset in rows:
        record = read_record(warc_file, offset)  # each article points at its raw response
        assert record.url.rstrip("/") == url.rstrip("/") and record.status == 200
    article_urls = [url for url, _, _ in rows]
    assert all(site.requested(u) == 1 for u in article_urls)

    run_monitor(["crawl", *OUTLETS], env)
    assert stats(env)["articles"] == first["articles"]
    assert all(site.requested(u) == 1 for u in article_urls), "a stored article was fetched again"
    new, seen = db(tmp_path).execute(
        "select sum(articles_new), sum(articles_seen) from crawl_runs where id > 2").fetchone()
    assert new == 0 and seen == first["articles"]


def test_robots_txt_is_obeyed(tmp_path: Path, site: SiteServer) -> None:
    site.add("https://www.rferl.org/robots.txt", 200, [("Content-Type", "text/plain")],
             b"User-agent: *\nDisallow: /a/\n")
    env = crawl_env(tmp_path, site)
    run_monitor(["crawl", "--outlet", "rferl"], env)
    assert stats(env)["articles"] == 0
    assert not any(r.path.startswith("/a/") for r in site.log)
    forbidden = db(tmp_path).execute(
        "select value from crawl_counters where name = 'robots_forbidden'").fetchone()
    assert forbidden and forbidden[0] >= 5


def test_a_crawls_own_warc_replays_offline_to_the_same_articles(tmp_path: Path, site: SiteServer) -> None:
    live = tmp_path / "live"
    run_monitor(["crawl", "--outlet", "rferl"], crawl_env(live, site))
    warcs = sorted((live / "warc").glob("*.warc.gz"))
    assert warcs
    replay = tmp_path / "replay"
    args = ["crawl", "--outlet", "rferl"]
    for w in warcs:
        args += ["--replay", str(w)]
    run_monitor(args, monitor_env(replay))
    urls = lambda d: {u for (u,) in db(d).execute("select url from articles")}  # noqa: E731
    assert urls(live) and urls(replay) == urls(live)
