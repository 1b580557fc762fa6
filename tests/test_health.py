"""Crawl health (monitor/health.py, `monitor health`): each rule of docs/health.md on runs
recorded in a real database, and end to end on outlets broken on purpose behind a loopback
server (article pages that became empty script shells, a 403 challenge page for every
request)."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor import models as m
from monitor.db import make_engine, migrate
from monitor.health import HealthRow, outlet_health, worst_first
from monitor.registry import Registry
from monitor.repository import Repository
from monitor.snapshot import Response
from tests.conftest import monitor_env, run_monitor
from tests.sitesrv import RequestInfo, Served, SiteServer

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


@pytest.fixture()
def repo(tmp_path: Path, registry: Registry) -> Repository:
    engine = make_engine(f"sqlite:///{tmp_path / 'h.sqlite3'}")
    migrate(engine)
    repository = Repository(engine)
    repository.sync_outlets(registry)
    return repository


def record_run(repo: Repository, outlet: str, counters: dict[tuple[str, str], int], *,
               status: str = "finished", lang: str | None = None, mode: str = "live") -> int:
    """A crawl run as the run recorder writes it: opened, then closed with its counters."""
    run_id = repo.start_run(outlet, run_key=f"k{datetime.now().timestamp()}", mode=mode, lang=lang)
    totals = {"articles_new": sum(v for (_, n), v in counters.items() if n == "articles_new")}
    repo.finish_run(run_id, status=status, totals=totals, counters=counters)
    return run_id


def add_articles(repo: Repository, outlet: str, lang: str, when: datetime, n: int) -> None:
    outlet_id = repo.outlet_id(outlet)
    with repo.session() as session, session.begin():
        for i in range(n):
            url = f"https://example.org/{outlet}/{lang}/{when.timestamp()}-{i}"
            session.add(m.Article(
                outlet_id=outlet_id, url=url, fetched_url=url, lang=lang, edition_lang=lang,
                title="t", text="x", published_at=when - timedelta(minutes=i), fetched_at=when,
                content_hash=url[-40:], created_at=when, updated_at=when,
            ))


def row(rows: list[HealthRow], outlet: str, lang: str) -> HealthRow:
    return next(r for r in rows if r.outlet == outlet and r.lang == lang)


def healthy(lang: str, new: int = 3) -> dict[tuple[str, str], int]:
    return {(lang, "requests"): 20, (lang, "responses"): 20, (lang, "status_200"): 20,
            (lang, "articles_new"): new, (lang, "extracted"): max(new, 1)}


def test_no_new_article_in_n_runs(repo: Repository, registry: Registry) -> None:
    for _ in range(3):
        record_run(repo, "tengrinews", {**healthy("ru", new=0), **healthy("kk", new=2),
                                        **healthy("en", new=0)})
    record_run(repo, "tengrinews", healthy("en", new=4), lang="en", mode="backfill")
    rows = outlet_health(repo, registry, now=NOW, runs=3)
    ru, kk = row(rows, "tengrinews", "ru"), row(rows, "tengrinews", "kk")
    assert ru.flags == ("no_new_articles",) and ru.status == "warning"
    assert "no new article in the last 3 runs" in ru.reasons[0]
    assert kk.flags == () and kk.status == "ok" and kk.new_articles == 2
    # A backfill is no crawl: it neither hides nor causes the flag.
    assert "no_new_articles" in row(rows, "tengrinews", "en").flags
    # Fewer runs than N: too early to say.
    assert "no_new_articles" not in row(outlet_health(repo, registry, now=NOW, runs=4),
                                        "tengrinews", "ru").flags


def test_a_run_for_one_language_counts_only_for_it(repo: Repository, registry: Registry) -> None:
    for _ in range(3):
        record_run(repo, "tengrinews", healthy("kk", new=0), lang="kk")
    rows = outlet_health(repo, registry, now=NOW)
    assert row(rows, "tengrinews", "kk").flags == ("no_new_articles",)
    assert row(rows, "tengrinews", "ru").flags == ("never_crawled",)


@pytest.mark.parametrize("this_week, flagged", [(2, True), (8, False)])
def test_low_volume_against_the_28_day_mean(repo: Repository, registry: Registry,
                                            this_week: int, flagged: bool) -> None:
    record_run(repo, "rferl", healthy("en"))
    for week, n in enumerate([10, 12, 9, 11], start=1):
        add_articles(repo, "rferl", "en", NOW - timedelta(days=7 * week + 2), n)
    add_articles(repo, "rferl", "en", NOW - timedelta(days=1), this_week)
    r = row(outlet_health(repo, registry, now=NOW), "rferl", "en")
    assert r.week_volume == this_week and r.mean_28d == pytest.approx(10.5)
    assert ("low_volume" in r.flags) is flagged
    if flagged:
        assert r.status == "warning" and "2 articles this week" in r.reasons[0]


def test_low_volume_needs_a_baseline(repo: Repository, registry: Registry) -> None:
    record_run(repo, "rferl", healthy("en"))
    add_articles(repo, "rferl", "en", NOW - timedelta(days=9), 2)  # a quiet outlet
    r = row(outlet_health(repo, registry, now=NOW), "rferl", "en")
    assert r.week_volume == 0 and "low_volume" not in r.flags


def test_empty_fields(repo: Repository, registry: Registry) -> None:
    record_run(repo, "eurasianet", {**healthy("en", new=10), ("en", "no_date"): 4,
                                    ("en", "empty_author"): 10})
    record_run(repo, "rferl", {**healthy("en", new=1), ("en", "skip_empty"): 6,
                               ("en", "skip_too_short"): 2, ("en", "extract_failed"): 8})
    rows = outlet_health(repo, registry, now=NOW)
    dates = row(rows, "eurasianet", "en")
    assert dates.flags == ("empty_fields",) and dates.status == "warning"
    assert dates.empty_dates == 4 and dates.pages == 10 and "no date" in dates.reasons[0]
    assert dates.empty_authors == 10  # reported, never flagged: many outlets sign nothing
    bodies = row(rows, "rferl", "en")
    assert bodies.flags == ("empty_fields",) and bodies.status == "failing"
    assert bodies.empty_bodies == 8 and "8 of 9 article pages had no body text" in bodies.reasons[0]


def test_blocked_responses_and_failed_runs(repo: Repository, registry: Registry) -> None:
    record_run(repo, "eurasianet", {("en", "requests"): 12, ("en", "responses"): 12,
                                    ("en", "status_403"): 11, ("en", "blocked"): 11})
    record_run(repo, "rferl", healthy("en"), status="interrupted")
    rows = outlet_health(repo, registry, now=NOW)
    blocked = row(rows, "eurasianet", "en")
    assert blocked.status == "blocked" and "blocked" in blocked.flags
    assert blocked.responses_by_status == ((403, 11),)
    failed = row(rows, "rferl", "en")
    assert failed.status == "failing" and failed.flags == ("failed_run",)


def test_registry_blocked_outlets_are_blocked_never_no_news(repo: Repository,
                                                            registry: Registry) -> None:
    for _ in range(3):
        record_run(repo, "rferl", healthy("en", new=0))
    blocked = dataclasses.replace(registry.get("rferl"), status="blocked",
                                  status_reason="answers 403 to every non-KZ address")
    reg = Registry([blocked if o.key == "rferl" else o for o in registry])
    r = row(outlet_health(repo, reg, now=NOW), "rferl", "en")
    assert r.status == "blocked" and r.flags == ("blocked",)
    assert "403 to every non-KZ" in r.reasons[0]


def test_rows_cover_every_outlet_and_language_and_sort_worst_first(
        repo: Repository, registry: Registry) -> None:
    record_run(repo, "rferl", healthy("en"), status="interrupted")
    rows = outlet_health(repo, registry, now=NOW)
    assert {(r.outlet, r.lang) for r in rows} == {(o.key, lang) for o in registry
                                                 for lang in o.languages}
    order = [r.status for r in worst_first(rows)]
    rank = {"blocked": 0, "failing": 1, "warning": 2, "ok": 3}
    assert order == sorted(order, key=rank.__getitem__) and order[0] in ("blocked", "failing")
    data = row(rows, "rferl", "en").as_json()
    json.dumps(data)
    assert {"outlet", "lang", "status", "flags", "reasons", "last_run_at", "new_articles",
            "week_volume", "mean_28d", "newest_article", "responses_by_status",
            "blocked_responses", "empty_titles", "empty_dates", "empty_bodies"} <= set(data)


# ------------------------------------------------------------------ end to end


# What an article page looks like after a site moves to client-side rendering: a shell.
SHELL = (b"<!DOCTYPE html><html lang='en'><head><title>RFE/RL</title></head><body>"
         b"<div id='root'></div><script src='/static/app.js'></script></body></html>")


CHALLENGE = (b"<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>"
             b"<div id='cf-chl-widget'>Checking your browser before accessing.</div></body></html>")


def test_health_flags_deliberately_broken_outlets(tmp_path: Path,
                                                  snapshot_responses: list[Response]) -> None:
    with SiteServer(snapshot_responses) as site:
        def broken(info: RequestInfo) -> Served | None:
            if info.host == "eurasianet.org":
                return Served(403, [("Content-Type", "text/html")], CHALLENGE)
            if info.host == "www.rferl.org" and info.path.startswith("/a/"):
                return Served(200, [("Content-Type", "text/html; charset=utf-8")], SHELL)
            return None

        site.handlers.append(broken)
        env = monitor_env(tmp_path, MONITOR_ORIGIN_OVERRIDE=site.origin,
                          MONITOR_DOWNLOAD_DELAY="0", MONITOR_RETRY_BACKOFF_BASE="0")
        crawl = ["crawl", "--outlet", "rferl", "--outlet", "eurasianet", "--outlet", "tengrinews"]
        run_monitor(crawl, env)
        run_monitor(crawl, env)
    rows = {(r["outlet"], r["lang"]): r for r in json.loads(
        run_monitor(["health", "--json", "--runs", "2"], env).stdout)}
    rferl = rows[("rferl", "en")]
    assert rferl["status"] == "failing", rferl
    assert {"empty_fields", "no_new_articles"} <= set(rferl["flags"])
    assert rferl["empty_bodies"] >= 5 and rferl["new_articles"] == 0
    assert any("no body text" in reason for reason in rferl["reasons"])
    euras = rows[("eurasianet", "en")]
    assert euras["status"] == "blocked" and "blocked" in euras["flags"], euras
    assert euras["blocked_responses"] >= 1 and euras["responses_by_status"].get("403")
    tengri = rows[("tengrinews", "ru")]
    assert tengri["status"] == "ok" and tengri["flags"] == [], tengri
    assert tengri["newest_article"] and tengri["last_run_status"] == "finished"

    table = run_monitor(["health", "--outlet", "rferl", "--outlet", "eurasianet"], env).stdout
    assert "failing" in table and "blocked" in table and "rferl en:" in table
    assert "tengrinews" not in table


def test_health_on_a_fresh_database_says_never_crawled(tmp_path: Path, registry: Registry) -> None:
    rows = json.loads(run_monitor(["health", "--json"], monitor_env(tmp_path)).stdout)
    assert len(rows) == sum(len(o.languages) for o in registry)
    for r in rows:
        outlet = registry.get(r["outlet"])
        expected = {"active": "never_crawled", "blocked": "blocked", "paused": "paused"}
        assert r["flags"] == [expected[outlet.status]], r
