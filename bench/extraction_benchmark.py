"""Extraction quality and speed on the 181-page article-extraction benchmark (read from
../shared/benchmarks/article-extraction, never copied): the monitor's extract_article
against trafilatura's defaults, in the same run. Score: the benchmark's own, precision /
recall / F1 over 4-word shingles of whitespace tokens, averaged over pages."""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import trafilatura

from monitor.extract import Extracted, extract_article

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "article-extraction"


def shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    tokens = text.split()
    return Counter(tuple(tokens[i : i + n]) for i in range(max(len(tokens) - n + 1, 0)))


def f1(predicted: str, truth: str) -> tuple[float, float, float]:
    p, t = shingles(predicted), shingles(truth)
    if not p and not t:
        return 1.0, 1.0, 1.0
    if not p or not t:
        return 0.0, 0.0, 0.0
    overlap = sum((p & t).values())
    precision, recall = overlap / sum(p.values()), overlap / sum(t.values())
    return precision, recall, (2 * precision * recall / (precision + recall) if overlap else 0.0)


def load_pages(directory: Path) -> list[tuple[str, str, str]]:
    truth = json.loads((directory / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for key, item in sorted(truth.items()):
        html = gzip.decompress((directory / "html" / f"{key}.html.gz").read_bytes())
        pages.append((item["url"], html.decode("utf-8", errors="replace"), item["articleBody"]))
    return pages


def monitor_text(html: str, url: str) -> str:
    result = extract_article(html, url)
    return result.text if isinstance(result, Extracted) else ""


def trafilatura_default(html: str, url: str) -> str:
    return trafilatura.extract(html, url=url) or ""


def run(name: str, fn: Callable[[str, str], str], pages: list[tuple[str, str, str]]) -> dict:
    scores, times = [], []
    for url, html, truth in pages:
        start = time.perf_counter()
        text = fn(html, url)
        times.append(time.perf_counter() - start)
        scores.append(f1(text, truth))
    return {
        "name": name,
        "precision": round(statistics.mean(s[0] for s in scores), 4),
        "recall": round(statistics.mean(s[1] for s in scores), 4),
        "f1": round(statistics.mean(s[2] for s in scores), 4),
        "median_ms": round(statistics.median(times) * 1000, 2),
        "total_s": round(sum(times), 3),
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--out", type=Path, help="write the figures as JSON here")
    args = parser.parse_args(argv)
    if not (args.data / "ground-truth.json").exists():
        raise SystemExit(f"benchmark data not found at {args.data}")
    pages = load_pages(args.data)
    reference = run("trafilatura default", trafilatura_default, pages)
    ours = run("monitor extract_article", monitor_text, pages)
    result = {
        "pages": len(pages),
        "reference": reference,
        "monitor": ours,
        "f1_delta": round(ours["f1"] - reference["f1"], 4),
        "time_ratio": round(ours["total_s"] / reference["total_s"], 3),
    }
    for row in (reference, ours):
        print(f"{row['name']:<26} F1 {row['f1']:.3f}  P {row['precision']:.3f}  "
              f"R {row['recall']:.3f}  median {row['median_ms']:.1f} ms")
    print(f"F1 delta {result['f1_delta']:+.3f}; time ratio (monitor / trafilatura) "
          f"{result['time_ratio']:.2f}")
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result


if __name__ == "__main__":
    main()
