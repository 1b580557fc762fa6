"""Faults from the web: one real `monitor crawl` of Tengrinews against a loopback site where
every article URL misbehaves in its own way (tests/faultsrv.py), then a second crawl after
the site recovered. Per fault: the crawl goes on, the fault is counted by class in the run's
health record (crawl_counters), nothing good is lost and nothing is stored twice."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from scrapy.settings import Settings as ScrapySettings

from monitor.middlewares import BackoffRetryMiddleware
from tests.conftest import monitor_env, run_monitor
from tests.faultsrv import (
    ARTICLE_FAULTS,
    DISCOVERY_FAULTS,
    DOWNLOAD_TIMEOUT,
    EN,
    KK,
    MAX_PAGE_BYTES,
    OFFSITE,
    Fault,
    FaultSite,
    url,
)

# A failure the next run may try again (everything but gone pages and oversized ones).
PERMANENT = {"http_404", "too_large"}


@dataclass
class Crawls:
    first: dict[str, list]  # query results after the faulty crawl
    second: dict[str, list]  # after the site recovered
    requests_first: dict[str, int]  # path -> requests during the first crawl
    requests_second: dict[str, int]  # path -> requests during the second crawl only
    times: dict[str, list[float]]
    hosts: set[str]
    stderr: str


def snapshot(db_path: Path) -> dict[str, list]:
    db = sqlite3.connect(db_path)
    try:
        return {
            "articles": db.execute("select id, url, title, published_at from articles").fetchall(),
            "aliases": db.execute("select a.url, b.url from article_aliases a "
                                  "join articles b on b.id = a.article_id").fetchall(),
            "skipped": db.execute("select url, reason, attempts from skipped_pages").fetchall(),
            "runs": db.execute("select id, status, errors from crawl_runs order by id").fetchall(),
            "counters": db.execute("select run_id, lang, name, value from crawl_counters").fetchall(),
        }
    finally:
        db.close()


@pytest.fixture(scope="module")
def crawls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawls]:
    tmp = tmp_path_factory.mktemp("faults")
    with FaultSite() as site:
        env = monitor_env(
            tmp, MONITOR_ORIGIN_OVERRIDE=site.origin, MONITOR_DOWNLOAD_DELAY="0",
            MONITOR_RETRY_BACKOFF_BASE="0", MONITOR_DOWNLOAD_TIMEOUT=str(DOWNLOAD_TIMEOUT),
            MONITOR_MAX_PAGE_BYTES=str(MAX_PAGE_BYTES), MONITOR_RETRY_AFTER_MAX="10",
            MONITOR_CONCURRENT_PER_DOMAIN="4",
        )
        first = run_monitor(["crawl", "--outlet", "tengrinews"], env)
        before = {path: len(ts) for path, ts in site.times.items()}
        result_first = snapshot(tmp / "monitor.sqlite3")
        site.fixed = True
        run_monitor(["crawl", "--outlet", "tengrinews"], env)
        after = {path: len(ts) - before.get(path, 0) for path, ts in site.times.items()}
        yield Crawls(result_first, snapshot(tmp / "monitor.sqlite3"), before, after,
                     dict(site.times), site.hosts(), first.stderr)


def path_of(full_url: str) -> str:
    return "/" + full_url.split("/", 3)[3]


def counter(result: dict[str, list], lang: str, name: str, run: int = 1) -> int:
    return sum(v for r, lg, n, v in result["counters"] if r == run and lg == lang and n == name)


def stored_urls(result: dict[str, list]) -> set[str]:
    return {u for _, u, _, _ in result["articles"]}


def skip_reason(result: dict[str, list], full_url: str) -> str | None:
    return next((reason for u, reason, _ in result["skipped"] if u == full_url), None)


# ------------------------------------------------------------------ per article fault


@pytest.mark.parametrize("fault", ARTICLE_FAULTS, ids=[f.slug for f in ARTICLE_FAULTS])
def test_article_fault(crawls: Crawls, fault: Fault) -> None:
    first = crawls.first
    for lang, name in fault.counters:
        assert counter(first, lang, name) > 0, f"{fault.slug}: counter {lang}/{name} missing"
    if fault.outcome == "stored":
        target = url("moved-target-216") if fault.slug == "moved-116" else fault.url
        kept = stored_urls(first) | {alias for alias, _ in first["aliases"]}
        assert target in kept, f"{fault.slug} ({fault.fault}) was not stored"
        if fault.title:
            title = next(t for _, u, t, _ in first["articles"] if u == target)
            assert title == fault.title  # decoded right whatever the charset claimed
            assert "\ufffd" not in title
    elif fault.outcome == "duplicate":
        pair = {fault.url, url("good-101")}
        assert len(pair & stored_urls(first)) == 1, "the same text was stored twice"
        assert any(alias in pair and target in pair for alias, target in first["aliases"])
    else:
        assert fault.url not in stored_urls(first)
        assert skip_reason(first, fault.url) == fault.outcome, (
            f"{fault.slug}: skipped_pages says {skip_reason(first, fault.url)!r}")


def test_the_crawl_goes_on_and_closes_its_run(crawls: Crawls) -> None:
    (run_id, status, errors), = crawls.first["runs"][:1]
    assert status == "finished" and errors > 0
    assert "Traceback" not in crawls.stderr
    faults_stored = [f for f in ARTICLE_FAULTS if f.outcome == "stored"]
    assert len(crawls.first["articles"]) >= len(faults_stored) + 2  # + the kk and en links


def test_retry_after_is_waited_for_and_a_long_one_is_not(crawls: Crawls) -> None:
    for slug, seconds in (("status503-108", 1), ("status429-109", 2)):
        first, second = crawls.times[f"/kazakhstan_news/{slug}/"][:2]
        assert second - first >= seconds * 0.95, f"{slug}: retried before Retry-After"
    assert crawls.requests_first["/kazakhstan_news/status429-long-110/"] == 1


def test_retries_are_bounded(crawls: Crawls) -> None:
    # RETRY_TIMES = 3: one request and three retries, then the failure is recorded.
    for slug in ("status502-107", "timeout-105", "truncated-117"):
        assert crawls.requests_first[f"/kazakhstan_news/{slug}/"] == 4


def test_no_host_outside_the_registry_is_contacted(crawls: Crawls) -> None:
    assert crawls.hosts <= {"tengrinews.kz", "kaz.tengrinews.kz", "en.tengrinews.kz"}
    assert counter(crawls.first, "ru", "links_offsite") > 0
    assert counter(crawls.first, "ru", "redirect_offsite") > 0
    assert not any(OFFSITE.split("//")[1] in u for u in stored_urls(crawls.second))


def test_redirect_loop_is_remembered_under_the_linked_url(crawls: Crawls) -> None:
    assert skip_reason(crawls.first, url("loop-114")) == "redirect_loop"
    assert crawls.requests_first["/kazakhstan_news/loop-114/"] == 1


# ------------------------------------------------------------------ discovery faults


@pytest.mark.parametrize("fault", DISCOVERY_FAULTS, ids=[f.slug for f in DISCOVERY_FAULTS])
def test_discovery_fault(crawls: Crawls, fault: Fault) -> None:
    for lang, name in fault.counters:
        assert counter(crawls.first, lang, name) > 0, f"{fault.slug}: {lang}/{name} missing"


def test_xml_entities_are_never_expanded_nor_fetched(crawls: Crawls) -> None:
    assert "/xxe-leak" not in crawls.times, "an external entity was fetched"
    everything = " ".join(u for u in stored_urls(crawls.second)) + " ".join(
        u for u, _, _ in crawls.second["skipped"])
    assert "root:" not in everything and "lollol" not in everything
    # The links beside the hostile declarations are still read.
    assert f"{EN}/news/listed-401/" in stored_urls(crawls.first)
    assert f"{KK}/kazakhstan_news/listed-301/" in stored_urls(crawls.first)
    assert url("good-101") in stored_urls(crawls.first) | {a for a, _ in crawls.first["aliases"]}


# ------------------------------------------------------------------ the next night


def test_after_recovery_the_retryable_are_stored_and_nothing_is_fetched_twice(crawls: Crawls) -> None:
    first, second = crawls.first, crawls.second
    assert second["runs"][-1][1] == "finished"
    # Nothing good is lost: every article of the first crawl is still there, unchanged.
    assert set(first["articles"]) <= set(second["articles"])
    urls = [u for _, u, _, _ in second["articles"]]
    assert len(urls) == len(set(urls))
    for fault in ARTICLE_FAULTS:
        path = path_of(fault.url)
        if fault.outcome in ("stored", "duplicate"):
            assert crawls.requests_second.get(path, 0) == 0, f"{fault.slug} fetched again"
        elif fault.outcome in PERMANENT:
            assert crawls.requests_second.get(path, 0) == 0, f"{fault.slug} asked again"
            assert fault.url not in stored_urls(second)
        else:
            assert fault.url in stored_urls(second), f"{fault.slug} not retried next night"
    assert counter(second, "ru", "articles_new", run=2) == sum(
        1 for f in ARTICLE_FAULTS if f.outcome not in PERMANENT | {"stored", "duplicate"}
        and f.host != KK) and counter(second, "kk", "articles_new", run=2) == 1


# ------------------------------------------------------------------ backoff arithmetic


def test_backoff_doubles_up_to_its_cap_and_long_retry_after_is_refused() -> None:
    from scrapy import Request
    from scrapy.http import Response

    mw = BackoffRetryMiddleware(ScrapySettings({
        "MONITOR_RETRY_BACKOFF_BASE": 2.0, "MONITOR_RETRY_BACKOFF_MAX": 10.0,
        "MONITOR_RETRY_AFTER_MAX": 60.0}))
    delays = [mw._delay(Request("https://x.kz/a", meta={"retry_times": n}), None) for n in range(4)]
    assert delays == [2.0, 4.0, 8.0, 10.0]
    busy = Response("https://x.kz/a", status=429, headers={"Retry-After": "30"})
    assert mw._delay(Request("https://x.kz/a"), busy) == 30.0  # longer than backoff: waited
    away = Response("https://x.kz/a", status=503, headers={"Retry-After": "3600"})
    assert mw._delay(Request("https://x.kz/a"), away) is None  # past the cap: not waited


# ------------------------------------------------------------------ the fault table


def test_the_reliability_table_names_only_tests_that_exist() -> None:
    import ast
    import re

    from tests.conftest import ROOT

    doc = (ROOT / "docs" / "reliability.md").read_text(encoding="utf-8")
    cited = set(re.findall(r"`(tests/test_\w+\.py)::(\w+)(?:\[([^\]]+)\])?`", doc))
    assert len(cited) > 40
    for path, name, param in cited:
        tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
        names = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
        assert name in names, f"docs/reliability.md cites {path}::{name}, which does not exist"
        if param and name == "test_article_fault":
            assert param in {f.slug for f in ARTICLE_FAULTS}, param
        if param and name == "test_discovery_fault":
            assert param in {f.slug for f in DISCOVERY_FAULTS}, param
    rows = {param for _, name, param in cited if name in ("test_article_fault", "test_discovery_fault")}
    controls = {f.slug for f in ARTICLE_FAULTS if f.slug.startswith("good-")}  # plain pages
    missing = {f.slug for f in ARTICLE_FAULTS + DISCOVERY_FAULTS} - rows - controls
    assert not missing, f"faults in tests/faultsrv.py without a row in docs/reliability.md: {missing}"
