"""`make bench`: every benchmark of the performance issue, one after another, each in its own
process, and their figures against the targets in bench/results.json (with the machine's
facts). docs/performance.md explains each figure.

    python bench/run.py                 # the full run (tens of minutes; corpora and
                                        # databases are cached under bench/out/)
    python bench/run.py --quick --out /tmp/r.json --work-dir /tmp/bench   # tiny sizes, no timing
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from benchutil import machine  # noqa: E402

# figure -> (comparison, target); None: a reference figure with no target.
TARGETS: dict[str, tuple[str, float] | None] = {
    "pipeline_vs_trafilatura": ("<=", 1.25),
    "classify_share": ("<=", 0.10),
    "rerun_ratio": ("<=", 0.05),
    "rss_ratio": ("<=", 1.3),
    "trend_query_ms_sqlite": ("<=", 200.0),
    "trend_query_ms_postgres": ("<=", 100.0),
    "pipeline_vs_newsplease": None,
}
FULL = {"pipeline": ["--pages", "5000"], "memory": ["--small", "10000", "--large", "100000"],
        "trend": ["--articles", "1000000"]}
QUICK = {"pipeline": ["--pages", "60", "--no-newsplease"], "memory": ["--small", "150", "--large", "300"],
         "trend": ["--articles", "10000"]}
SCRIPTS = {"pipeline": "pipeline_benchmark.py", "memory": "memory_benchmark.py",
           "trend": "trend_benchmark.py"}
# What bounds a figure that misses its target, read from the details of the same run.
BOUNDS = {
    "pipeline_vs_trafilatura": (
        "language and classification, the Simhash fingerprint, the near-duplicate lookup and "
        "an insert into a table with a dozen indexes and a full-text trigger, and Scrapy's own "
        "per-request machinery; docs/performance.md says what was cut and what is left"),
    "classify_share": (
        "language detection and classification (monitor/language.py, monitor/classify.py) "
        "cost analyze_cpu_s plus a one-time lexicon and model load (analyze_load_s)"),
    "rerun_ratio": (
        "a second run still starts Python, Scrapy and the database and re-reads every feed, "
        "sitemap and listing (rerun_cpu_s); it fetches no article page (rerun_article_fetches)"),
    "rss_ratio": "see details.memory",
    "trend_query_ms_sqlite": (
        "the views turn each article of the window (about 35,000 of 1M) into a local day with a "
        "join to its time-zone period and date formatting; see details.trend.sqlite"),
    "trend_query_ms_postgres": (
        "the views compute each article's local day (a join to its time-zone period and "
        "to_char) for the about 35,000 articles of the 20-week window, and PostgreSQL joins "
        "them to classifications by hashing that whole table; per-article work that only a "
        "table of daily counts kept up to date at insert time would remove (docs/performance.md)"),
}


def run_script(name: str, args: list[str], work_dir: Path) -> tuple[dict, float]:
    out = work_dir / f"{name}.json"
    out.unlink(missing_ok=True)
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / SCRIPTS[name]), *args,
                           "--out-dir", str(work_dir), "--out", str(out)], cwd=ROOT)
    took = time.perf_counter() - started
    if proc.returncode != 0 or not out.exists():
        return {"error": f"bench/{SCRIPTS[name]} exited {proc.returncode}"}, took
    return json.loads(out.read_text(encoding="utf-8")), took


def _pipeline_note(pipeline: dict) -> str:
    """What the pipeline's CPU per page is made of, against trafilatura's, from one run."""
    stages = pipeline.get("stages_ms_per_page") or {}
    if not stages:
        return BOUNDS["pipeline_vs_trafilatura"]
    own = {k: v for k, v in stages.items() if k != "scrapy_replay_startup"}
    parts = ", ".join(f"{k} {v:g}" for k, v in own.items())
    return (f"CPU ms per page: trafilatura alone {pipeline['trafilatura_ms_per_page']:g}; the "
            f"pipeline {pipeline['pipeline_ms_per_page']:g} = {parts} (together "
            f"{sum(own.values()):.1f}, each timed alone on the same pages) + Scrapy, replay and "
            f"start-up {stages.get('scrapy_replay_startup', 0):g}. Extraction itself is cheaper "
            "than the reference (trafilatura fast mode on a tree parsed once); what is added is "
            "the work a monitor must do beside it: " + BOUNDS["pipeline_vs_trafilatura"])


def figures(details: dict[str, dict]) -> dict[str, dict]:
    flat: dict[str, object] = {}
    for part in details.values():
        flat.update({k: v for k, v in part.items() if k in TARGETS})
    out: dict[str, dict] = {}
    for name, target in TARGETS.items():
        value = flat.get(name)
        entry: dict[str, object] = {"value": value}
        if target is not None:
            op, limit = target
            entry["target"] = f"{op} {limit:g}"
            entry["met"] = value is not None and float(value) <= limit  # type: ignore[arg-type]
            if not entry["met"]:
                entry["note"] = (_pipeline_note(details.get("pipeline", {}))
                                 if name == "pipeline_vs_trafilatura" else BOUNDS.get(name, ""))
        if value is None:
            part = next((p for p in details.values() if name in p or any(
                k.endswith("_note") for k in p)), {})
            notes = [str(v) for k, v in part.items() if k.endswith("_note")]
            entry["note"] = "; ".join(notes) or "not measured (see the script's error in details)"
        out[name] = entry
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks the scripts run")
    parser.add_argument("--out", type=Path, default=None,
                        help="results file (default bench/results.json; bench/out/quick.json with --quick)")
    parser.add_argument("--work-dir", type=Path, default=ROOT / "bench" / "out")
    parser.add_argument("--only", action="append", choices=sorted(SCRIPTS),
                        help="run only this benchmark (repeatable); the others' details are "
                             "kept from the existing results file")
    parser.add_argument("--note", default="", help="a remark kept in the results file")
    parser.add_argument("--reuse", action="store_true",
                        help="with --only: take those parts' figures from their last standalone "
                             "run in the work dir (bench/out/NAME.json) instead of running them")
    args = parser.parse_args(argv)
    out = args.out or (args.work_dir / "quick.json" if args.quick else ROOT / "bench" / "results.json")
    args.work_dir.mkdir(parents=True, exist_ok=True)
    sizes = QUICK if args.quick else FULL
    started = datetime.now(UTC)
    details: dict[str, dict] = {}
    durations: dict[str, float] = {}
    if args.only and out.exists():
        previous = json.loads(out.read_text(encoding="utf-8"))
        details.update(previous.get("details", {}))
        durations.update(previous.get("duration_s", {}))
    facts = machine()
    for name in args.only or list(SCRIPTS):
        if args.reuse and args.only and (args.work_dir / f"{name}.json").exists():
            details[name] = json.loads((args.work_dir / f"{name}.json").read_text(encoding="utf-8"))
            continue
        print(f"== {name}: python bench/{SCRIPTS[name]} {' '.join(sizes[name])}", flush=True)
        details[name], durations[name] = run_script(name, sizes[name], args.work_dir)
    result = {
        "command": "make bench" + (" (quick)" if args.quick else "")
                   + (f" ({'collected' if args.reuse else 're-run'}: {', '.join(args.only)})"
                      if args.only else ""),
        "started_at": started.isoformat(timespec="seconds"),
        "duration_s": {k: round(v, 1) for k, v in durations.items()},
        "machine": facts,
        **({"note": args.note} if args.note else {}),
        "figures": figures(details),
        "details": details,
    }
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for name, entry in result["figures"].items():
        verdict = "" if "met" not in entry else (" met" if entry["met"] else " NOT met")
        print(f"{name:<26} {entry['value']!s:<10} {entry.get('target', '')}{verdict}")
    print(f"written to {out}")
    return 1 if any("error" in d for d in details.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
