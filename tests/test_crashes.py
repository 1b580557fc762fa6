"""Crashes and local outages, with real `monitor crawl` processes: killed with SIGKILL and
started again, two started at once, the disk filling up mid-crawl, a read-only database.
Each time: a clear word, the right exit code, nothing stored lost or stored twice, and a
database that passes SQLite's integrity check."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from monitor.archive import read_record
from tests.conftest import ROOT, monitor_env, run_monitor
from tests.faultsrv import SteadySite

CRAWL = ["crawl", "--outlet", "tengrinews"]


def crawl_env(data: Path, site: SteadySite, **extra: str) -> dict[str, str]:
    return monitor_env(data, MONITOR_ORIGIN_OVERRIDE=site.origin, MONITOR_DOWNLOAD_DELAY="0",
                       MONITOR_RETRY_BACKOFF_BASE="0", **extra)


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    out = log.open("w")
    return subprocess.Popen([sys.executable, "-m", "monitor", *args], cwd=ROOT, env=env,
                            stdout=out, stderr=subprocess.STDOUT, text=True)


def wait_until(condition: Callable[[], bool], proc: subprocess.Popen, log: Path,
               timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if proc.poll() is not None:
            raise AssertionError(f"the crawl ended (exit {proc.returncode}) before the "
                                 f"moment the test waits for:\n{log.read_text()[-3000:]}")
        if time.monotonic() > deadline:
            proc.kill()
            raise AssertionError(f"waited {timeout} s in vain:\n{log.read_text()[-3000:]}")
        time.sleep(0.1)


def query(db: Path, sql: str) -> list[tuple]:
    try:
        with sqlite3.connect(db, timeout=30) as conn:
            return conn.execute(sql).fetchall()
    except sqlite3.OperationalError:  # not created yet
        return []


def stored(db: Path) -> list[str]:
    return [u for (u,) in query(db, "select url from articles")]


def integrity(db: Path) -> str:
    return query(db, "pragma integrity_check")[0][0]


# ------------------------------------------------------------------ SIGKILL


def test_sigkill_mid_crawl_then_again_stores_everything_once(tmp_path: Path) -> None:
    db = tmp_path / "monitor.sqlite3"
    with SteadySite(40, delay=0.15) as site:
        env = crawl_env(tmp_path, site)
        log = tmp_path / "killed.log"
        proc = start(CRAWL, env, log)
        wait_until(lambda: len(stored(db)) >= 8, proc, log)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        asked_before = site.article_requests()
        kept = set(stored(db))
        assert 8 <= len(kept) < 40, "the kill came too late to test anything"
        assert query(db, "select status from crawl_runs") == [("running",)]

        run_monitor(CRAWL, env)
        asked_after = site.article_requests()[len(asked_before):]

    final = stored(db)
    assert sorted(final) == sorted(site.urls), "an article was lost"
    assert len(final) == len(set(final))
    for url in set(asked_before):
        # Fetched before the kill: either stored then (and never fetched again) or fetched again.
        assert (url in kept) != (url in asked_after), url
    runs = query(db, "select status, message from crawl_runs order by id")
    assert [s for s, _ in runs] == ["interrupted", "finished"]
    assert "without closing its run" in runs[0][1]
    for url, warc, offset in query(db, "select url, warc_file, warc_offset from articles"):
        assert read_record(warc, offset).url == url  # the killed run's records are intact
    assert integrity(db) == "ok"


# ------------------------------------------------------------------ two at once


def test_a_second_crawl_refuses_with_one_line_or_waits_its_turn(tmp_path: Path) -> None:
    db = tmp_path / "monitor.sqlite3"
    gate = threading.Event()  # holds the first crawl's article responses back
    with SteadySite(12, gate=gate) as site:
        env = crawl_env(tmp_path, site)
        log = tmp_path / "first.log"
        first = start(CRAWL, env, log)
        try:
            wait_until(lambda: len(site.article_requests()) >= 1, first, log)

            refused = run_monitor(CRAWL, env, check=False)
            assert refused.returncode == 75  # EX_TEMPFAIL: try again later
            lines = refused.stderr.strip().splitlines()
            assert len(lines) == 1 and "Traceback" not in refused.stderr
            assert "another `monitor crawl` is running" in lines[0] and "--wait" in lines[0]
            assert f"pid {first.pid}" in lines[0]

            in_flight = len(site.article_requests())  # the first crawl's, held by the gate
            queued_log = tmp_path / "queued.log"
            queued = start([*CRAWL, "--wait", "300"], env, queued_log)
            time.sleep(5)
            # The queued crawl waits for the lock: it has sent nothing and is still there.
            assert len(site.article_requests()) == in_flight and queued.poll() is None
        finally:
            gate.set()
        assert first.wait(timeout=120) == 0
        assert queued.wait(timeout=120) == 0, queued_log.read_text()[-2000:]
        asked = site.article_requests()
    assert sorted(stored(db)) == sorted(site.urls)
    assert len(asked) == len(set(asked)) == 12, "the queued crawl fetched stored articles again"
    (first_end, second_start), = query(
        db, "select a.finished_at, b.started_at from crawl_runs a, crawl_runs b "
            "where a.id = 1 and b.id = 2")
    assert second_start >= first_end  # they did not overlap


# ------------------------------------------------------------------ disk full, read-only


@pytest.fixture()
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 700 KiB tmpfs: room for the schema and a few articles, then ENOSPC."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=700k", "tmpfs", str(mnt)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root): {done.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_disk_full_mid_crawl_stops_with_one_clear_error_and_loses_nothing(small_disk: Path) -> None:
    db = small_disk / "monitor.sqlite3"
    with SteadySite(80) as site:
        env = crawl_env(small_disk, site)
        full = run_monitor(CRAWL, env, check=False)
        assert full.returncode != 0
        last = full.stderr.strip().splitlines()[-1]
        assert last.startswith("error: the crawl stopped:") and "full" in last, last
        assert "Traceback" not in full.stderr
        assert integrity(db) == "ok"
        kept = query(db, "select id, url, title from articles")
        assert len(kept) < 80

        subprocess.run(["mount", "-o", "remount,size=64m", str(small_disk)], check=True)
        run_monitor(CRAWL, env)
    assert set(kept) <= set(query(db, "select id, url, title from articles"))
    final = stored(db)
    assert sorted(final) == sorted(site.urls) and len(final) == len(set(final))
    # The stopped run is closed as such, or (no room even for that) marked at the next start.
    statuses = [s for (s,) in query(db, "select status from crawl_runs order by id")]
    assert statuses[0] in ("storage_error", "interrupted") and statuses[1:] == ["finished"]
    assert integrity(db) == "ok"


def test_read_only_database_gives_one_line_and_changes_nothing(tmp_path: Path) -> None:
    writable, read_only = tmp_path / "db", tmp_path / "db-ro"
    writable.mkdir()
    read_only.mkdir()
    with SteadySite(3) as site:
        env = crawl_env(tmp_path / "data", site,
                        DATABASE_URL=f"sqlite:///{writable}/monitor.sqlite3")
        run_monitor(["migrate"], env)
        before = query(writable / "monitor.sqlite3", "select * from outlets")
        bind = subprocess.run(["mount", "--bind", str(writable), str(read_only)],
                              capture_output=True, text=True)
        if bind.returncode != 0:
            pytest.skip(f"cannot bind-mount read-only here (needs root): {bind.stderr.strip()}")
        try:
            subprocess.run(["mount", "-o", "remount,bind,ro", str(read_only)], check=True)
            env["DATABASE_URL"] = f"sqlite:///{read_only}/monitor.sqlite3"
            out = run_monitor(CRAWL, env, check=False)
            assert out.returncode == 3, out.stderr
            lines = out.stderr.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("error: database error:")
            assert "writable" in lines[0]
            assert site.article_requests() == []  # nothing fetched that could not be kept
            # Reading needs no writing: stats work, or say in one line why not.
            out = run_monitor(["stats", "--json"], env, check=False)
            assert (out.returncode == 0 and '"articles": 0' in out.stdout) or (
                out.returncode == 3 and len(out.stderr.strip().splitlines()) == 1)
        finally:
            subprocess.run(["umount", "-l", str(read_only)], check=False)
    assert query(writable / "monitor.sqlite3", "select * from outlets") == before
    assert query(writable / "monitor.sqlite3", "select count(*) from crawl_runs") == [(0,)]
    assert integrity(writable / "monitor.sqlite3") == "ok"
