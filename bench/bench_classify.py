"""Benchmark: classification throughput (articles per second, one core) on the dev set.

    python bench/bench_classify.py
    python bench/bench_classify.py --article-chars 3000 --out bench/out/classify.json
    python bench/bench_classify.py --data eval/longform.jsonl

Each pass is timed twice: wall-clock, and CPU time of this process (time.process_time). On a
machine shared with other jobs the wall-clock figure drops with the load; the CPU figure is
what one core does.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.classify import _load, classify  # noqa: E402
from monitor.evaluate import read_jsonl  # noqa: E402
from monitor.language import detect_language  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_language import long_articles  # noqa: E402

TARGET_PER_SECOND = 1000


def _lang_of(records: list[dict], title: str) -> str:
    return next((r.get("lang") or "und" for r in records if (r.get("title") or "") == title), "und")


def _pass(articles: list[tuple[str, str, str]]) -> tuple[float, float]:
    """(wall-clock seconds, CPU seconds) for one pass over the articles."""
    start, cpu = time.perf_counter(), time.process_time()
    for title, text, lang in articles:
        classify(title, text, lang)
    return time.perf_counter() - start, time.process_time() - cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT / "eval" / "devset.jsonl"),
                        help="JSON Lines with title, text and lang")
    parser.add_argument("--passes", type=int, default=5, help="passes over the set (best kept)")
    parser.add_argument("--article-chars", type=int, default=0,
                        help="join dev-set texts of one language to this length first")
    parser.add_argument("--out", help="write the figures to this JSON file")
    args = parser.parse_args(argv)

    if not Path(args.data).exists():
        print(f"{args.data} not found: pass --data FILE (JSON Lines with title, text, lang)")
        return 2
    records = list(read_jsonl(args.data, ("text",)))
    if args.article_chars:
        articles = [(t, x, _lang_of(records, t)) for t, x in long_articles(records,
                                                                           args.article_chars)]
    else:
        articles = [(r.get("title") or "", r.get("text") or "", r.get("lang") or "und")
                    for r in records]
    chars = sum(len(t) + len(x) for t, x, _ in articles)

    start = time.perf_counter()
    _load()
    load_s = time.perf_counter() - start

    timed = [_pass(articles) for _ in range(args.passes)]
    passes = [wall for wall, _ in timed]
    best = min(passes)
    best_cpu = min(cpu for _, cpu in timed)
    und = _pass([(t, x, "und") for t, x, _ in articles])[0]
    with_lang = time.perf_counter()
    for title, text, _ in articles:
        classify(title, text, detect_language(text, title=title).lang)
    with_lang = time.perf_counter() - with_lang

    figures = {
        "articles": len(articles),
        "mean_chars": round(chars / len(articles)),
        "lexicon_load_s": round(load_s, 3),
        "articles_per_s": round(len(articles) / best, 1),
        "articles_per_s_median_pass": round(len(articles) / statistics.median(passes), 1),
        "ms_per_article": round(1000 * best / len(articles), 4),
        "articles_per_s_lang_und": round(len(articles) / und, 1),
        "articles_per_s_with_language_detection": round(len(articles) / with_lang, 1),
        "ratio_to_target": round(len(articles) / best / TARGET_PER_SECOND, 2),
        "articles_per_cpu_s": round(len(articles) / best_cpu, 1),
        "cpu_ms_per_article": round(1000 * best_cpu / len(articles), 4),
        "cpu_ratio_to_target": round(len(articles) / best_cpu / TARGET_PER_SECOND, 2),
    }
    print(f"{len(articles)} articles, mean {figures['mean_chars']} characters; "
          f"lexicon load {load_s:.3f} s")
    print(f"classify:                      {figures['articles_per_s']:>9.1f} articles/s "
          f"({figures['ms_per_article']:.3f} ms each), "
          f"{figures['ratio_to_target']:.2f}x the {TARGET_PER_SECOND}/s target")
    print(f"classify, CPU time:            {figures['articles_per_cpu_s']:>9.1f} articles/s "
          f"({figures['cpu_ms_per_article']:.3f} ms each), "
          f"{figures['cpu_ratio_to_target']:.2f}x the target")
    print(f"classify with lang='und':      {figures['articles_per_s_lang_und']:>9.1f} articles/s "
          "(every lexicon tried)")
    print(f"detect_language + classify:    "
          f"{figures['articles_per_s_with_language_detection']:>9.1f} articles/s")
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(figures, indent=2) + "\n")
        print(f"figures written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
