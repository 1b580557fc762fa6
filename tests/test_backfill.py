"""`monitor backfill` over the recorded snapshot: it stores exactly the articles of the date
range (day archives, dated sitemaps, feeds, listings), and a backfill killed midway and run
again finishes the rest without duplicates and without fetching a stored article again."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from monitor.backfill import (
    UnitTracker,
    archive_url,
    days_between,
    listing_dates,
    sitemap_period,
)
from monitor.registry import Registry
from monitor.snapshot import load_sources
from tests.conftest import ROOT, monitor_env, run_monitor
from tests.sitesrv import RequestInfo, SiteServer


def in_range(registry: Registry, key: str, since: date, until: date, lang: str = "") -> set[str]:
    """The snapshot's article URLs of one outlet published (in the edition's local time)
    between two days."""
    source = next(s for s in load_sources(registry) if s.outlet.key == key)
    outlet = source.outlet
    return {a["url"] for a in source.articles
            if (not lang or a["lang"] == lang)
            and since <= a["published"].astimezone(outlet.zone(outlet.edition(a["lang"]))).date() <= until}


def stored(db: Path) -> set[str]:
    """The URLs the stored articles were fetched from (and same-text aliases)."""
    con = sqlite3.connect(db)
    try:
        urls = {u for (u,) in con.execute("select fetched_url from articles")}
        urls |= {u for (u,) in con.execute("select url from article_aliases")}
        return {u.rstrip("/") for u in urls}
    finally:
        con.close()


def trimmed(urls: set[str]) -> set[str]:
    return {u.rstrip("/") for u in urls}


# Each outlet reaches its history another way: tengrinews by day archives and dated
# sitemaps, azattyq by Pangea day archives (?p=N), rferl only by its listing (walked until
# the items are older than --since), eurasianet by its sitemap. The bounds fall on days with
# articles, so an off-by-one day at either end shows.
RANGES = [
    ("tengrinews", date(2019, 6, 10), date(2020, 3, 16)),
    ("azattyq", date(2019, 9, 7), date(2020, 6, 3)),
    ("rferl", date(2019, 9, 3), date(2022, 7, 4)),
    ("eurasianet", date(2019, 8, 9), date(2022, 1, 5)),
]


@pytest.mark.parametrize("key, since, until", RANGES, ids=[r[0] for r in RANGES])
def test_backfill_stores_exactly_the_articles_in_range(
    tmp_path: Path, snapshot_warc: Path, registry: Registry, key: str, since: date, until: date
) -> None:
    expected = trimmed(in_range(registry, key, since, until))
    assert len(expected) >= 3, "the range should hold several recorded articles"
    env = monitor_env(tmp_path)
    args = ["backfill", "--outlet", key, "--since", since.isoformat(), "--until",
            until.isoformat(), "--replay", str(snapshot_warc)]
    out = run_monitor(args, env)
    urls = stored(tmp_path / "monitor.sqlite3")
    assert urls >= expected, f"missing: {sorted(expected - urls)}"
    assert urls <= expected, f"stored outside {since}..{until}: {sorted(urls - expected)}"
    assert f"{len(expected)} articles stored by this run" in out.stdout
    con = sqlite3.connect(tmp_path / "monitor.sqlite3")
    mode, new = con.execute("select mode, articles_new from crawl_runs").fetchone()
    assert mode == "backfill" and new == len(expected)


def test_a_second_backfill_skips_finished_days(tmp_path: Path, snapshot_warc: Path) -> None:
    env = monitor_env(tmp_path)
    args = ["backfill", "--outlet", "tengrinews", "--lang", "kk", "--since", "2019-09-01",
            "--until", "2019-09-30", "--replay", str(snapshot_warc)]
    run_monitor(args, env)
    con = sqlite3.connect(tmp_path / "monitor.sqlite3")
    done = con.execute("select count(*) from backfill_progress where kind = 'archive' "
                       "and state = 'done' and lang = 'kk'").fetchone()[0]
    assert done == 30
    again = run_monitor(args, env)
    assert "0 articles stored by this run" in again.stdout
    counters = dict(con.execute(
        "select name, value from crawl_counters where run_id = (select max(id) from crawl_runs) "
        "and lang = 'kk'").fetchall())
    assert counters.get("backfill_days_skipped") == 30
    assert "archive_http_404" not in counters and "articles_new" not in counters


def test_a_killed_backfill_resumes_without_refetching(tmp_path: Path, registry: Registry,
                                                      snapshot_responses: list) -> None:
    since, until = date(2021, 1, 1), date(2022, 1, 31)
    expected = trimmed(in_range(registry, "tengrinews", since, until, lang="ru"))
    assert len(expected) >= 3
    with SiteServer(snapshot_responses) as site:
        def slow_articles(info: RequestInfo) -> None:
            if "/news/" not in info.path and info.path.rstrip("/").split("-")[-1].isdigit():
                time.sleep(1.0)  # articles take a while: the kill lands between them
            return None

        site.handlers.append(slow_articles)
        env = monitor_env(tmp_path, MONITOR_ORIGIN_OVERRIDE=site.origin,
                          MONITOR_DOWNLOAD_DELAY="0", MONITOR_RETRY_BACKOFF_BASE="0")
        args = ["backfill", "--outlet", "tengrinews", "--lang", "ru", "--sources", "archive",
                "--since", since.isoformat(), "--until", until.isoformat()]
        db = tmp_path / "monitor.sqlite3"
        proc = subprocess.Popen([sys.executable, "-m", "monitor", *args], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            before = wait_for_articles(db, proc)
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
        before = stored(db)
        assert before and before < expected, "the backfill was not killed midway"
        con = sqlite3.connect(db)
        finished_days = [d for (d,) in con.execute(
            "select unit from backfill_progress where kind = 'archive' and state = 'done'")]
        con.close()

        out = run_monitor(args, env)
        assert stored(db) == expected
        con = sqlite3.connect(db)
        urls = [u for (u,) in con.execute("select url from articles")]
        assert len(urls) == len(set(urls)) == len(expected)
        for url in before:
            assert site.requested(url + "/") == 1, f"{url} was stored before the kill and fetched again"
        template = registry.get("tengrinews").edition("ru").archive
        assert template
        for day in finished_days:
            page = archive_url(template, date.fromisoformat(day), 1)
            assert site.requested(page) == 1, f"finished day {day} was walked again"
        total = con.execute("select count(*) from backfill_progress where kind = 'archive' "
                            "and state = 'done' and lang = 'ru'").fetchone()[0]
        assert total == len(days_between(since, until))
        assert "0 failed, 0 not finished" in out.stdout


def wait_for_articles(db: Path, proc: subprocess.Popen, timeout: float = 120) -> int:
    """Poll the database until the running backfill has stored an article."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the backfill ended (exit {proc.returncode}) before the kill")
        try:
            con = sqlite3.connect(db, timeout=5)
            n = con.execute("select count(*) from articles").fetchone()[0]
            con.close()
        except sqlite3.OperationalError:
            n = 0  # no schema yet
        if n:
            return n
        time.sleep(0.05)
    raise AssertionError("no article was stored in time")


def test_backfill_refuses_bad_requests_in_one_line(tmp_path: Path, registry: Registry) -> None:
    env = monitor_env(tmp_path)
    cases = [
        (["--outlet", "tengrinews", "--since", "2020-02-01", "--until", "2020-01-01"],
         "before --since"),
        (["--outlet", "nosuch", "--since", "2020-01-01"], "unknown outlet"),
        (["--outlet", "tengrinews", "--lang", "xx", "--since", "2020-01-01"], "no 'xx' edition"),
        (["--outlet", "tengrinews", "--since", "2020-01-01", "--sources", "rss"], "unknown rss"),
        (["--outlet", "tengrinews", "--since", "someday"], "not a date"),
    ]
    blocked = [o.key for o in registry if o.status == "blocked"]
    if blocked:
        cases.append((["--outlet", blocked[0], "--since", "2020-01-01"], "nothing was fetched"))
    for args, message in cases:
        proc = run_monitor(["backfill", *args], env, check=False)
        assert proc.returncode != 0 and message in proc.stderr, (args, proc.stderr)
        assert "Traceback" not in proc.stderr


# ------------------------------------------------------------------ the plain parts


def test_days_run_newest_first_and_include_both_bounds() -> None:
    days = days_between(date(2024, 2, 28), date(2024, 3, 1))
    assert days == [date(2024, 3, 1), date(2024, 2, 29), date(2024, 2, 28)]
    assert archive_url("https://www.azattyq.org/z/330/{date:%Y/%m/%d}?p={page}",
                       date(2024, 3, 1), 2) == "https://www.azattyq.org/z/330/2024/03/01?p=2"


def test_dated_sitemap_names_give_their_period() -> None:
    assert sitemap_period("https://tengrinews.kz/sitemaps/ru-sitemap-2019-09.xml") == (
        date(2019, 9, 1), date(2019, 9, 30))
    assert sitemap_period("https://x.kz/sitemap/2024/02/29.xml") == (date(2024, 2, 29),) * 2
    assert sitemap_period("https://x.kz/sitemap-posts-201912.xml") == (
        date(2019, 12, 1), date(2019, 12, 31))
    assert sitemap_period("https://x.kz/sitemaps/ru-sitemap-news.xml") is None
    assert sitemap_period("https://x.kz/sitemap.xml?page=2") is None


def test_a_unit_finishes_when_its_pages_and_articles_have_outcomes() -> None:
    units = UnitTracker()
    key = units.open("ru", "archive", "2024-03-01")
    units.add(key, 2)  # the page led to two article requests
    assert units.finish(key) is None  # the page itself
    assert units.finish(key, ok=False) is None
    unit = units.finish(key)
    assert unit is not None and unit.failed == 1 and not units.open_units()
    assert units.finish(key) is None  # an outcome after completion changes nothing


def test_listing_dates_read_the_date_beside_each_link() -> None:
    from zoneinfo import ZoneInfo

    html = """<html><body><ul>
      <li><a href="/a/1.html"><img src="x.jpg"></a><span class="date">12 сентября 2019, 14:05</span>
          <a href="/a/1.html">В Жанаозене прошел митинг 12 мая</a></li>
      <li><div><a href="/a/2.html">Title two</a><p>Teaser of 3 мая 2018 events here</p>
          <div class="meta"><span>Вчера, 21:40</span></div></div></li>
      <li><a href="/a/3.html">Three</a><time datetime="2021-02-26T10:00:00+06:00">26.02</time></li>
      <li><a href="/a/4.html">No date here</a></li>
    </ul><a href="/a/1.html">again, in a sidebar</a></body></html>"""
    from datetime import UTC, datetime

    now = datetime(2026, 11, 28, 18, 0, tzinfo=UTC)
    dates = listing_dates(html, "https://rus.azattyq.org/z/360", ZoneInfo("Asia/Almaty"), now)
    assert dates["https://rus.azattyq.org/a/1.html"] == datetime(2019, 9, 12, 8, 5, tzinfo=UTC)
    assert dates["https://rus.azattyq.org/a/2.html"] == datetime(2026, 11, 27, 16, 40, tzinfo=UTC)
    assert dates["https://rus.azattyq.org/a/3.html"] == datetime(2021, 2, 26, 4, 0, tzinfo=UTC)
    assert "https://rus.azattyq.org/a/4.html" not in dates


@pytest.mark.postgres
def test_backfill_resumes_and_health_reads_it_on_postgresql(tmp_path: Path, snapshot_warc: Path,
                                                            registry: Registry,
                                                            postgres_url: str) -> None:
    import json

    from sqlalchemy import text

    from monitor.db import make_engine

    env = monitor_env(tmp_path, DATABASE_URL=postgres_url)
    args = ["backfill", "--outlet", "azattyq", "--since", "2019-09-07", "--until", "2020-06-03",
            "--replay", str(snapshot_warc)]
    first = run_monitor(args, env)
    expected = in_range(registry, "azattyq", date(2019, 9, 7), date(2020, 6, 3))
    assert f"{len(expected)} articles stored by this run" in first.stdout
    again = run_monitor(args, env)
    assert "0 articles stored by this run" in again.stdout
    with make_engine(postgres_url).connect() as conn:
        done = conn.execute(text("select count(*) from backfill_progress where state = 'done'"
                                 " and kind = 'archive'")).scalar()
        skipped = conn.execute(text(
            "select sum(value) from crawl_counters where name = 'backfill_days_skipped'")).scalar()
    assert done == skipped == 2 * len(days_between(date(2019, 9, 7), date(2020, 6, 3)))
    rows = json.loads(run_monitor(["health", "--json", "--outlet", "azattyq"], env).stdout)
    assert {r["lang"] for r in rows} == {"kk", "ru"}
    # A backfill is no crawl: the editions are still waiting for their first crawl.
    assert all(r["flags"] == ["never_crawled"] and r["newest_article"] for r in rows)
