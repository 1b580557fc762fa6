"""Benchmark: what a backfill costs the site. Serves the recorded snapshot from a loopback
server, runs `monitor backfill` with the live politeness settings (delay, 2 requests per
domain, AutoThrottle) and reports requests per host, the shortest gap between two requests
to one host, wall time, and the same for a second run (which skips the finished days).

    python bench/bench_backfill.py
    python bench/bench_backfill.py --outlet azattyq --since 2019-09-01 --until 2019-09-30
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.registry import Registry  # noqa: E402
from monitor.snapshot import render_all  # noqa: E402
from tests.sitesrv import RequestInfo, SiteServer  # noqa: E402


def run(args: list[str], env: dict[str, str], site: SiteServer,
        times: dict[str, list[float]]) -> dict:
    for v in times.values():
        v.clear()
    before = len(site.log)
    start = time.monotonic()
    subprocess.run([sys.executable, "-m", "monitor", *args], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    wall = time.monotonic() - start
    per_host = {h: len(t) for h, t in times.items() if t}
    gaps = [b - a for t in times.values() for a, b in zip(sorted(t), sorted(t)[1:], strict=False)]
    return {"requests": len(site.log) - before, "per_host": per_host, "wall_s": round(wall, 1),
            "min_gap_s": round(min(gaps), 3) if gaps else None,
            "mean_gap_s": round(sum(gaps) / len(gaps), 3) if gaps else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outlet", default="tengrinews")
    parser.add_argument("--lang", default="ru")
    parser.add_argument("--since", default="2019-09-01")
    parser.add_argument("--until", default="2019-09-14")
    parser.add_argument("--delay", default="1.0", help="MONITOR_DOWNLOAD_DELAY (live default 1.0)")
    opts = parser.parse_args()
    times: dict[str, list[float]] = defaultdict(list)
    lock = threading.Lock()

    def stamp(info: RequestInfo) -> None:
        with lock:
            times[info.host].append(time.monotonic())

    with SiteServer(render_all(Registry.load())) as site, tempfile.TemporaryDirectory() as tmp:
        site.handlers.append(stamp)  # type: ignore[arg-type]
        env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")
               and k != "DATABASE_URL"}
        env.update(MONITOR_DATA_DIR=tmp, MONITOR_ORIGIN_OVERRIDE=site.origin,
                   MONITOR_DOWNLOAD_DELAY=opts.delay)
        args = ["backfill", "--outlet", opts.outlet, "--since", opts.since, "--until", opts.until]
        if opts.lang:
            args += ["--lang", opts.lang]
        report = {"args": args, "delay": opts.delay, "first": run(args, env, site, times),
                  "again": run(args, env, site, times)}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
