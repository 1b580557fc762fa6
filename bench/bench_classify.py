"""Benchmark: classification throughput (articles per second, one core) on the dev set.

    python bench/bench_classify.py
    python bench/bench_classify.py --passes 5 --out bench/out/classify.json
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


def _pass(articles: list[tuple[str, str, str]]) -> float:
    start = time.perf_counter()
    for title, text, lang in articles:
        classify(title, text, lang)
    return time.perf_counter() - start


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

    passes = [_pass(articles) for _ in range(args.passes)]
    best = min(passes)
    und = _pass([(t, x, "und") for t, x, _ in articles])
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
    }
    print(f"{len(articles)} articles, mean {figures['mean_chars']} characters; "
          f"lexicon load {load_s:.3f} s")
    print(f"classify:                      {figures['articles_per_s']:>9.1f} articles/s "
          f"({figures['ms_per_article']:.3f} ms each), "
          f"{figures['ratio_to_target']:.2f}x the {TARGET_PER_SECOND}/s target")
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
