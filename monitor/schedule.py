"""Scheduling: the nightly job and the weekly digest job, for cron / systemd (`monitor
nightly`, `monitor digest`) and for the built-in scheduler (`monitor schedule`, APScheduler
3 in the foreground), which calls the very same functions.

Nightly: under the crawl lock (the one `monitor crawl` and `monitor demo` take, so a cron
run and a scheduler run never overlap), every outlet is crawled incrementally, each in its
own Scrapy process (Twisted's reactor cannot restart in one process) with a time limit:
Scrapy closes the spider itself at MONITOR_CRAWL_TIME_LIMIT seconds, and a process still
alive after a grace period is terminated, then killed. Classification happens in the crawl's
pipeline. Then crawl health (monitor.health) is computed and written to
$MONITOR_DATA_DIR/health.json; the result says which outlets failed."""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import subprocess
import sys
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from monitor.config import ConfigError, Settings
from monitor.db import ROOT, make_engine, migrate
from monitor.lock import LockBusy, run_lock
from monitor.registry import Registry
from monitor.repository import Repository

log = logging.getLogger(__name__)

SHUTDOWN_GRACE = 120  # seconds a crawl may take to close after its time limit
MISFIRE_GRACE = 6 * 3600  # a job missed (machine asleep, scheduler down) still runs this late
FAILED_STATUSES = ("failing", "blocked")
_AT = re.compile(r"^(?:(?P<day>[a-z]{3}(?:-[a-z]{3})?(?:,[a-z]{3})*)\s+)?(?P<h>\d{1,2}):(?P<m>\d{2})$")


@dataclass(frozen=True)
class OutletCrawl:
    outlet: str
    returncode: int | None
    timed_out: bool
    log_file: Path


@dataclass
class NightlyResult:
    run_key: str
    crawls: list[OutletCrawl] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # "outlet (lang): why"
    health_file: Path | None = None

    @property
    def ok(self) -> bool:
        return not self.failed


# ------------------------------------------------------------------ nightly


def crawl_command(key: str, run_key: str, log_file: Path) -> list[str]:
    """A fresh Python running Scrapy's CrawlerProcess for one outlet (see crawl_child); not
    the `scrapy crawl` command, which loads the spider's modules before Scrapy installs its
    asyncio reactor and so refuses to start while a module imports twisted's reactor."""
    return [sys.executable, "-m", "monitor.schedule", "crawl", key, run_key, str(log_file)]


def crawl_child(key: str, run_key: str, log_file: str) -> None:
    """The child side of crawl_command: the generic spider for one outlet, tagged with the
    nightly's run key, closed by Scrapy itself at the time limit (CLOSESPIDER_TIMEOUT)."""
    from scrapy.crawler import CrawlerProcess

    from monitor.crawl import scrapy_settings
    from spiders.outlet import OutletSpider

    cfg = Settings.from_env()
    settings = scrapy_settings(cfg, "INFO")
    settings.setdict({"CLOSESPIDER_TIMEOUT": cfg.crawl_time_limit, "LOG_FILE": log_file},
                     priority="cmdline")
    process = CrawlerProcess(settings)
    process.crawl(OutletSpider, outlet=key, run_key=run_key, mode="replay" if cfg.replay else "live")
    process.start()


def _child_env(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env.update(SCRAPY_SETTINGS_MODULE="monitor.settings", DATABASE_URL=settings.database_url,
               MONITOR_DATA_DIR=str(settings.data_dir),
               MONITOR_CRAWL_TIME_LIMIT=str(settings.crawl_time_limit))
    if settings.replay:
        env["MONITOR_REPLAY"] = os.pathsep.join(str(p) for p in settings.replay)
    return env


def crawl_outlet(key: str, run_key: str, settings: Settings, log_dir: Path) -> OutletCrawl:
    """One outlet's crawl as its own process, stopped if it outlives its time limit."""
    log_file = log_dir / f"{key}.log"
    timed_out = False
    with log_file.with_suffix(".err").open("w") as stderr:
        proc = subprocess.Popen(crawl_command(key, run_key, log_file), cwd=ROOT,
                                env=_child_env(settings), stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=stderr)
        try:
            proc.wait(timeout=settings.crawl_time_limit + SHUTDOWN_GRACE)
        except subprocess.TimeoutExpired:
            timed_out = True
            log.warning("crawl of %s outlived its time limit: terminating pid %s", key, proc.pid)
            proc.send_signal(signal.SIGTERM)  # Scrapy closes the spider and records the run
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    return OutletCrawl(key, proc.returncode, timed_out, log_file)


def run_nightly(settings: Settings, registry: Registry, *, outlets: Sequence[str] = (),
                wait: float = 0.0, now: datetime | None = None) -> NightlyResult:
    """Crawl (under the crawl lock), then judge health; LockBusy if a crawl is running."""
    keys = list(outlets) or registry.keys()
    for key in keys:
        registry.get(key)  # unknown keys fail before anything starts
    engine = make_engine(settings.database_url)
    migrate(engine)
    repo = Repository(engine)
    repo.sync_outlets(registry)
    result = NightlyResult(uuid.uuid4().hex)
    log_dir = settings.data_dir / "logs" / f"nightly-{datetime.now(UTC):%Y%m%dT%H%M%S}"
    with run_lock(settings.data_dir, "crawl", wait=wait, engine=engine):
        log_dir.mkdir(parents=True, exist_ok=True)
        crawlable = []
        for key in keys:
            outlet = registry.get(key)
            if outlet.crawlable:
                crawlable.append(key)
            else:
                repo.record_skipped_run(key, run_key=result.run_key, mode="live",
                                        status=outlet.status, message=outlet.status_reason)
        with ThreadPoolExecutor(max_workers=settings.nightly_parallel) as pool:
            result.crawls = list(pool.map(
                lambda k: crawl_outlet(k, result.run_key, settings, log_dir), crawlable))
        repo.interrupt_runs(result.run_key, "the crawl process was stopped before it closed "
                                            "(time limit, or killed)")
    for crawl in result.crawls:
        if crawl.timed_out or crawl.returncode != 0:
            why = "time limit reached" if crawl.timed_out else f"exit code {crawl.returncode}"
            result.failed.append(f"{crawl.outlet}: crawl process failed ({why}; log {crawl.log_file})")
    result.failed += _health_failures(repo, registry, keys, result, settings, now)
    return result


def _health_failures(repo: Repository, registry: Registry, keys: Sequence[str],
                     result: NightlyResult, settings: Settings, now: datetime | None) -> list[str]:
    active = {k for k in keys if registry.get(k).crawlable}
    try:
        from monitor.health import outlet_health
    except ImportError:  # judge by this run's rows alone
        return [f"{run.outlet.key}: run {run.status}, {run.errors} errors"
                for run in repo.latest_runs(run_key=result.run_key)
                if run.outlet.key in active and (run.status != "finished" or run.errors)]
    rows = [r for r in outlet_health(repo, registry, now=now) if r.outlet in keys]
    path = settings.data_dir / "health.json"
    path.write_text(json.dumps({"run_key": result.run_key,
                                "checked_at": (now or datetime.now(UTC)).isoformat(),
                                "outlets": [r.as_json() for r in rows]}, ensure_ascii=False, indent=1))
    result.health_file = path
    return [f"{r.outlet} ({r.lang}): {r.status}: {'; '.join(r.reasons or r.flags)}"
            for r in rows if r.outlet in active and r.status in FAILED_STATUSES]


# ------------------------------------------------------------------ the scheduler


def parse_at(value: str, *, name: str, weekly: bool) -> dict[str, Any]:
    """'02:30' (daily) or 'mon 07:30' / 'mon,thu 07:30' (weekly) -> CronTrigger fields."""
    match = _AT.match(value.strip().lower())
    if not match or int(match["h"]) > 23 or int(match["m"]) > 59 or bool(match["day"]) != weekly:
        form = "DAY HH:MM, e.g. 'mon 07:30'" if weekly else "HH:MM, e.g. '02:30'"
        raise ConfigError(f"{name}={value!r}: use {form} (in MONITOR_TIMEZONE)")
    fields: dict[str, Any] = {"hour": int(match["h"]), "minute": int(match["m"])}
    if weekly:
        fields["day_of_week"] = match["day"]
    return fields


def nightly_job(settings: Settings, outlets: Sequence[str] = ()) -> NightlyResult | None:
    try:
        result = run_nightly(settings, Registry.load(), outlets=outlets)
    except LockBusy as exc:
        log.warning("nightly crawl skipped: %s", exc)
        return None
    log.info("nightly crawl %s: %d outlets crawled, %d failed%s", result.run_key[:8],
             len(result.crawls), len(result.failed),
             "".join(f"\n  {f}" for f in result.failed))
    return result


def digest_job(settings: Settings):  # type: ignore[no-untyped-def]
    from monitor.digest import DigestError, run_digest

    try:
        report = run_digest(settings, Registry.load())
    except (LockBusy, DigestError) as exc:
        log.warning("weekly digest skipped: %s", exc)
        return None
    log.info("%s", report.format())
    return report


def build_scheduler(settings: Settings, *, background: bool = False, outlets: Sequence[str] = (),
                    jobs: dict[str, Callable[..., Any]] | None = None):  # type: ignore[no-untyped-def]
    """The two jobs in MONITOR_TIMEZONE: misfires coalesced into one run, one job at a time.
    ``jobs`` replaces the job functions."""
    from apscheduler.executors.pool import ThreadPoolExecutor as JobExecutor
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.cron import CronTrigger

    zone = settings.zone()
    funcs = {"nightly": nightly_job, "digest": digest_job, **(jobs or {})}
    cls = BackgroundScheduler if background else BlockingScheduler
    # One worker: jobs run one after another (a digest due during a long crawl waits for it,
    # within the misfire grace), and Alembic's migrate is never entered by two threads.
    scheduler = cls(timezone=zone, executors={"default": JobExecutor(1)}, job_defaults={
        "coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE})
    nightly = parse_at(settings.nightly_at, name="MONITOR_NIGHTLY_AT", weekly=False)
    weekly = parse_at(settings.digest_at, name="MONITOR_DIGEST_AT", weekly=True)
    scheduler.add_job(funcs["nightly"], CronTrigger(timezone=zone, **nightly), id="nightly",
                      name="nightly crawl", args=[settings, tuple(outlets)])
    scheduler.add_job(funcs["digest"], CronTrigger(timezone=zone, **weekly), id="digest",
                      name="weekly digest", args=[settings])
    return scheduler


def describe_jobs(scheduler, now: datetime | None = None) -> list[str]:  # type: ignore[no-untyped-def]
    """One line per job: id, trigger and next run (computed from ``now`` if not started)."""
    now = (now or datetime.now(UTC)).astimezone(scheduler.timezone)
    lines = []
    for job in scheduler.get_jobs():
        nxt = getattr(job, "next_run_time", None) or job.trigger.get_next_fire_time(None, now)
        lines.append(f"{job.id:<8} {job.name:<14} {job.trigger}  next {nxt.isoformat() if nxt else 'never'}")
    return lines


def serve(settings: Settings, *, outlets: Sequence[str] = ()) -> None:
    """Run the scheduler in the foreground until SIGTERM or SIGINT; one instance per data
    directory and database (the "schedule" lock)."""
    scheduler = build_scheduler(settings, outlets=outlets)

    def stop(signum: int, _frame: object) -> None:
        log.info("signal %d: stopping the scheduler", signum)
        scheduler.shutdown(wait=False)

    with run_lock(settings.data_dir, "schedule", engine=make_engine(settings.database_url)):
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        for line in describe_jobs(scheduler):
            log.info("job %s", line)
        log.info("scheduler started (time zone %s, pid %d)", settings.timezone, os.getpid())
        scheduler.start()
    log.info("scheduler stopped")


if __name__ == "__main__":  # python -m monitor.schedule crawl KEY RUN_KEY LOG_FILE
    if len(sys.argv) != 5 or sys.argv[1] != "crawl":
        sys.exit("usage: python -m monitor.schedule crawl OUTLET RUN_KEY LOG_FILE "
                 "(started by `monitor nightly`; run that instead)")
    crawl_child(*sys.argv[2:])
