"""Scheduling: `monitor nightly` (crawl processes under the crawl lock, health, exit codes),
the APScheduler jobs (registered with their triggers and time zone, next runs from a fixed
clock, both jobs driven through a real scheduler), and `monitor schedule` as a process (one
instance at a time, stops cleanly on SIGTERM)."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import threading
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from monitor.config import ConfigError, Settings
from monitor.lock import run_lock
from monitor.schedule import MISFIRE_GRACE, build_scheduler, describe_jobs, nightly_job, parse_at
from tests.conftest import ROOT, monitor_env, run_monitor
from tests.test_digest import HAS_HEALTH, Inbox, free_port, smtp_server

FAST_RETRIES = {"MONITOR_RETRY_BACKOFF_BASE": "0.05", "MONITOR_RETRY_BACKOFF_MAX": "0.2"}


def test_times_parse_and_bad_ones_are_named() -> None:
    assert parse_at("02:30", name="X", weekly=False) == {"hour": 2, "minute": 30}
    assert parse_at("Mon 07:05", name="X", weekly=True) == {"hour": 7, "minute": 5, "day_of_week": "mon"}
    assert parse_at("mon,thu 7:00", name="X", weekly=True)["day_of_week"] == "mon,thu"
    for value, weekly in (("25:00", False), ("mon 07:30", False), ("07:30", True), ("soon", True)):
        with pytest.raises(ConfigError, match="X="):
            parse_at(value, name="X", weekly=weekly)


def test_both_jobs_are_registered_in_the_time_zone_with_misfires_coalesced() -> None:
    scheduler = build_scheduler(Settings.from_env({}), background=True)
    scheduler.start(paused=True)  # job defaults apply once the jobs are in the job store
    jobs = {job.id: job for job in scheduler.get_jobs()}
    scheduler.shutdown(wait=False)
    assert set(jobs) == {"nightly", "digest"}
    almaty = ZoneInfo("Asia/Almaty")
    assert str(scheduler.timezone) == "Asia/Almaty"
    for job in jobs.values():
        assert job.trigger.timezone == almaty
        assert job.coalesce is True and job.max_instances == 1
        assert job.misfire_grace_time == MISFIRE_GRACE
    sunday_noon = datetime(2026, 11, 29, 12, 0, tzinfo=almaty)  # a fixed clock
    assert jobs["nightly"].trigger.get_next_fire_time(None, sunday_noon) == \
        datetime(2026, 11, 30, 2, 30, tzinfo=almaty)
    assert jobs["digest"].trigger.get_next_fire_time(None, sunday_noon) == \
        datetime(2026, 11, 30, 7, 30, tzinfo=almaty)
    after = datetime(2026, 11, 30, 7, 31, tzinfo=almaty)
    assert jobs["digest"].trigger.get_next_fire_time(None, after) == \
        datetime(2026, 12, 7, 7, 30, tzinfo=almaty)
    assert jobs["nightly"].trigger.get_next_fire_time(None, after) == \
        datetime(2026, 12, 1, 2, 30, tzinfo=almaty)


def test_times_and_zone_come_from_the_settings() -> None:
    settings = Settings.from_env({"MONITOR_TIMEZONE": "UTC", "MONITOR_NIGHTLY_AT": "23:05",
                                  "MONITOR_DIGEST_AT": "fri 16:45"})
    lines = describe_jobs(build_scheduler(settings, background=True),
                          now=datetime(2026, 11, 29, 12, 0, tzinfo=ZoneInfo("UTC")))
    assert lines[0].startswith("nightly") and "next 2026-11-29T23:05:00+00:00" in lines[0]
    assert lines[1].startswith("digest") and "next 2026-12-04T16:45:00+00:00" in lines[1]
    with pytest.raises(ConfigError, match="MONITOR_TIMEZONE"):
        build_scheduler(Settings.from_env({"MONITOR_TIMEZONE": "Mars/Olympus"}), background=True)


def _runs(data: Path, run_key: str) -> list[tuple[str, str, int]]:
    con = sqlite3.connect(data / "monitor.sqlite3")
    return con.execute("select o.key, r.status, r.articles_new from crawl_runs r join outlets o "
                       "on o.id = r.outlet_id where r.run_key = ? order by o.key", (run_key,)).fetchall()


def test_the_scheduler_runs_both_jobs_when_triggered(tmp_path: Path, snapshot_warc: Path) -> None:
    """Both jobs due now, run by a real (background) scheduler with the real job functions."""
    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED

    inbox, port = Inbox(), free_port()
    settings = Settings.from_env({
        "MONITOR_DATA_DIR": str(tmp_path), "MONITOR_REPLAY": str(snapshot_warc),
        "MONITOR_SMTP_HOST": "127.0.0.1", "MONITOR_SMTP_PORT": str(port), "MONITOR_SMTP_STARTTLS": "0",
        "MONITOR_DIGEST_FROM": "monitor@example.org", "MONITOR_DIGEST_TO": "analyst@example.org"})
    scheduler = build_scheduler(settings, background=True, outlets=("rferl", "eurasianet"))
    events: dict[str, object] = {}
    done = threading.Event()

    def listen(event) -> None:  # type: ignore[no-untyped-def]
        events[event.job_id] = event
        if len(events) == 2:
            done.set()

    scheduler.add_listener(listen, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    with smtp_server(inbox, port):
        scheduler.start(paused=True)
        now = datetime.now(scheduler.timezone)
        scheduler.modify_job("nightly", next_run_time=now)
        scheduler.modify_job("digest", next_run_time=now)
        scheduler.resume()
        finished = done.wait(timeout=600)
        scheduler.shutdown(wait=True)
    assert finished, f"jobs did not finish: {sorted(events)}"
    for job_id in ("nightly", "digest"):
        assert getattr(events[job_id], "exception", None) is None, events[job_id]
    nightly = events["nightly"].retval  # type: ignore[attr-defined]
    assert nightly.ok, nightly.failed
    runs = _runs(tmp_path, nightly.run_key)
    assert [(key, status) for key, status, _ in runs] == [("eurasianet", "finished"), ("rferl", "finished")]
    assert all(new > 0 for _, _, new in runs)
    assert events["digest"].retval.sent == ["analyst@example.org"]  # type: ignore[attr-defined]
    assert len(inbox.messages) == 1
    if HAS_HEALTH:
        assert json.loads((tmp_path / "health.json").read_text())["run_key"] == nightly.run_key


def test_a_job_does_not_run_while_a_crawl_holds_the_lock(tmp_path: Path, snapshot_warc: Path) -> None:
    settings = Settings.from_env({"MONITOR_DATA_DIR": str(tmp_path), "MONITOR_REPLAY": str(snapshot_warc)})
    env = monitor_env(tmp_path, MONITOR_REPLAY=str(snapshot_warc))
    with run_lock(tmp_path, "crawl"):  # as a cron-started `monitor nightly` would
        assert nightly_job(settings, ("rferl",)) is None
        busy = run_monitor(["nightly", "--outlet", "rferl"], env, check=False)
    assert busy.returncode == 75 and "another `monitor crawl` is running" in busy.stderr
    assert not (tmp_path / "monitor.sqlite3").exists() or _count_runs(tmp_path) == 0


def _count_runs(data: Path) -> int:
    return sqlite3.connect(data / "monitor.sqlite3").execute("select count(*) from crawl_runs").fetchone()[0]


def test_nightly_command_exit_codes_and_health(tmp_path: Path, snapshot_warc: Path) -> None:
    good = tmp_path / "good"
    env = monitor_env(good, MONITOR_REPLAY=str(snapshot_warc))
    out = run_monitor(["nightly", "--outlet", "rferl", "--outlet", "tengrinews"], env)
    assert "rferl" in out.stdout and "tengrinews" in out.stdout and "finished" in out.stdout
    if HAS_HEALTH:
        health = json.loads((good / "health.json").read_text())
        assert {row["outlet"] for row in health["outlets"]} == {"rferl", "tengrinews"}
    logs = list((good / "logs").glob("nightly-*/rferl.log"))
    assert logs and "Spider closed (finished)" in logs[0].read_text()
    dead = tmp_path / "dead"  # every request refused: the outlet failed
    bad = run_monitor(["nightly", "--outlet", "rferl"],
                      monitor_env(dead, MONITOR_ORIGIN_OVERRIDE="http://127.0.0.1:9", **FAST_RETRIES),
                      check=False)
    assert bad.returncode == 1, bad.stderr
    assert ("failed: rferl (en): failing" if HAS_HEALTH else "failed: rferl: run") in bad.stderr


def test_schedule_command_runs_one_instance_and_stops_on_sigterm(tmp_path: Path) -> None:
    env = monitor_env(tmp_path)
    listed = run_monitor(["schedule", "--list"], env).stdout
    assert "nightly" in listed and "digest" in listed and "cron[day_of_week='mon'" in listed
    proc = subprocess.Popen([sys.executable, "-m", "monitor", "schedule"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        seen = []
        for line in proc.stderr:  # type: ignore[union-attr]
            seen.append(line)
            if "scheduler started" in line:
                break
        text = "".join(seen)
        assert "job nightly" in text and "job digest" in text and "Asia/Almaty" in text
        second = run_monitor(["schedule"], env, check=False)
        assert second.returncode == 75 and "another `monitor schedule` is running" in second.stderr
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
        assert "scheduler stopped" in proc.stderr.read()  # type: ignore[union-attr]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_environment_example_documents_every_setting_and_parses() -> None:
    import re

    example = (ROOT / "deploy" / "monitor.env.example").read_text(encoding="utf-8")
    config = (ROOT / "monitor" / "config.py").read_text(encoding="utf-8")
    read = set(re.findall(r'"((?:MONITOR_|DATABASE_URL)[A-Z_]*)"', config))
    named = set(re.findall(r"^#?((?:MONITOR_|DATABASE_URL)[A-Z_]*)=", example, re.M))
    assert read <= named, f"document these in deploy/monitor.env.example: {sorted(read - named)}"
    # Every line uncommented must make a valid configuration, read by sh as the crontab does.
    uncommented = re.sub(r"^#((?:MONITOR_|DATABASE_URL)[A-Z_]*=)", r"\1", example, flags=re.M)
    shown = subprocess.run(["sh", "-c", "set -a; . /dev/stdin; env -0"], input=uncommented,
                           capture_output=True, text=True, check=True, env={})
    env = dict(item.split("=", 1) for item in shown.stdout.split("\0") if "=" in item)
    settings = Settings.from_env(env)
    assert settings.digest_at == "mon 07:30" and settings.contact.endswith("(monitor@example.org)")
    build_scheduler(settings, background=True)  # the times and zone parse
