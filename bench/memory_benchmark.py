"""Memory against the crawl's length: peak RSS of `monitor crawl --replay` over a corpus of
100,000 generated article pages divided by its peak over 10,000 (rss_ratio). Both corpora
have the same shape (the same articles per edition and month, so the same sitemap sizes);
the larger is a longer history of the same sites. Small pages (a few paragraphs, light
markup) keep the 100,000-page run to minutes; the full pipeline runs on every page.

Flat memory needs every per-URL structure out of the process's heap: the replay index is an
SQLite file beside the WARC, the spider's met set and Scrapy's request fingerprints live in
temporary SQLite files (monitor/seen.py), and what is stored is asked of the database.

    python bench/memory_benchmark.py --small 10000 --large 100000 --out bench/out/memory.json
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import corpus as corpus_mod  # noqa: E402
from benchutil import BenchError, Measured, monitor_cmd, monitor_env, report, run_child  # noqa: E402


def replay(corpus: corpus_mod.Corpus, data_dir: Path) -> tuple[Measured, int]:
    shutil.rmtree(data_dir, ignore_errors=True)
    measured = run_child(monitor_cmd(*corpus.crawl_args()), monitor_env(data_dir), timeout=4 * 3600)
    with sqlite3.connect(data_dir / "monitor.sqlite3") as db:
        stored = db.execute("SELECT count(*) FROM articles").fetchone()[0]
    if stored < 0.98 * corpus.pages:
        raise BenchError(f"{data_dir}: only {stored} of {corpus.pages} pages stored:\n"
                         f"{measured.stderr[-3000:]}")
    return measured, stored


def run(small: int, large: int, out_dir: Path) -> dict:
    corpora = {n: corpus_mod.build(n, small=True, out_dir=out_dir) for n in (small, large)}
    # The two replays are independent: on two cores they run side by side (peak memory is
    # each process's own, whatever the other does).
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {n: pool.submit(replay, c, out_dir / f"memory-run-{n}") for n, c in corpora.items()}
        results = {n: f.result() for n, f in futures.items()}
    (s_run, s_stored), (l_run, l_stored) = results[small], results[large]
    for n in (small, large):
        shutil.rmtree(out_dir / f"memory-run-{n}", ignore_errors=True)
    return {
        "pages_small": corpora[small].pages,
        "pages_large": corpora[large].pages,
        "stored_small": s_stored,
        "stored_large": l_stored,
        "peak_rss_mb_small": round(s_run.max_rss_kb / 1024, 1),
        "peak_rss_mb_large": round(l_run.max_rss_kb / 1024, 1),
        "cpu_s_small": round(s_run.cpu_s, 1),
        "cpu_s_large": round(l_run.cpu_s, 1),
        "ms_per_page_large": round(l_run.cpu_s / corpora[large].pages * 1000, 2),
        "rss_ratio": round(l_run.max_rss_kb / s_run.max_rss_kb, 3),
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--out-dir", type=Path, default=corpus_mod.OUT)
    parser.add_argument("--out", type=Path, help="write the figures as JSON here")
    args = parser.parse_args(argv)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    result = run(args.small, args.large, args.out_dir)
    return report(result, args.out)


if __name__ == "__main__":
    main()
