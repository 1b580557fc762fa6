"""Benchmark: language detection speed on article-length texts, and detectors compared.

Times ``monitor.language.detect_language`` per article (title + text of the dev set) and, in
the same run, langdetect (seeded), py3langid and pycld2 alone on the same texts (lingua too
when it is installed). With ``--langid`` it also scores every detector on the language-ID set,
per language (Kazakh by script) and per kind (title / text).

    python bench/bench_language.py                      # eval/devset.jsonl, eval/langid.jsonl
    python bench/bench_language.py --out bench/out/language.json
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.evaluate import group_of, read_jsonl  # noqa: E402
from monitor.language import detect_language  # noqa: E402

Detector = Callable[[str, str], str]  # (title, text) -> ISO 639-1 or "und"

LINGUA_LANGS = (
    "KAZAKH", "RUSSIAN", "ENGLISH", "UKRAINIAN", "BULGARIAN", "MONGOLIAN", "BELARUSIAN",
    "SERBIAN", "MACEDONIAN", "TURKISH", "AZERBAIJANI", "ARABIC", "PERSIAN", "URDU", "CHINESE",
)


def _join(title: str, text: str) -> str:
    return f"{title}\n{text}" if title and text else title or text


def ours() -> Detector:
    return lambda title, text: detect_language(text, title=title).lang


def langdetect_detector() -> Detector:
    from langdetect import DetectorFactory, detect
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = 0

    def run(title: str, text: str) -> str:
        try:
            return detect(_join(title, text)).split("-")[0]
        except LangDetectException:
            return "und"

    return run


def py3langid_detector() -> Detector:
    import py3langid

    return lambda title, text: py3langid.classify(_join(title, text))[0]


def pycld2_detector() -> Detector:
    import pycld2

    def run(title: str, text: str) -> str:
        try:
            _, _, details = pycld2.detect(_join(title, text), bestEffort=True)
        except pycld2.error:
            return "und"
        code = details[0][1].split("-")[0]
        return "und" if code in ("un", "xxx") else code

    return run


def lingua_detector() -> Detector | None:
    try:
        from lingua import Language, LanguageDetectorBuilder
    except ImportError:
        return None
    langs = [getattr(Language, name) for name in LINGUA_LANGS]
    detector = LanguageDetectorBuilder.from_languages(*langs).build()

    def run(title: str, text: str) -> str:
        found = detector.detect_language_of(_join(title, text))
        return found.iso_code_639_1.name.lower() if found else "und"

    return run


def detectors(with_lingua: bool) -> dict[str, Detector]:
    found: dict[str, Detector] = {
        "monitor.language": ours(),
        "langdetect 1.0.9 (seeded)": langdetect_detector(),
        "py3langid 0.4.0": py3langid_detector(),
        "pycld2 0.42": pycld2_detector(),
    }
    if with_lingua:
        lingua = lingua_detector()
        if lingua is not None:
            found["lingua (15 languages)"] = lingua
    return found


def time_detector(detect: Detector, articles: list[tuple[str, str]], repeat: int) -> dict:
    """Per article the best of ``repeat`` runs; then the median and the 90th percentile."""
    detect(*articles[0])  # warm-up: model loading is not per-article cost
    per_article = []
    for title, text in articles:
        best = min(_once(detect, title, text) for _ in range(repeat))
        per_article.append(best * 1000)
    per_article.sort()
    return {
        "median_ms": round(statistics.median(per_article), 4),
        "p90_ms": round(per_article[int(0.9 * (len(per_article) - 1))], 4),
        "mean_ms": round(statistics.fmean(per_article), 4),
    }


def _once(detect: Detector, title: str, text: str) -> float:
    start = time.perf_counter()
    detect(title, text)
    return time.perf_counter() - start


def accuracy(detect: Detector, samples: list[dict]) -> dict[str, dict[str, float]]:
    hits: dict[str, list[bool]] = defaultdict(list)
    for s in samples:
        title, text = (s["text"], "") if s["kind"] == "title" else ("", s["text"])
        right = detect(title, text) == s["lang"]
        for key in ("all", group_of(s["lang"], s.get("script") or ""), f"kind:{s['kind']}"):
            hits[key].append(right)
    return {k: {"accuracy": round(sum(v) / len(v), 4), "n": len(v)} for k, v in sorted(hits.items())}


def long_articles(records: list[dict], chars: int) -> list[tuple[str, str]]:
    """Join consecutive dev-set texts of one language until each is ``chars`` long.

    The dev set's texts are news-length (~600 characters); crawled articles run 1,000-6,000.
    """
    by_lang: dict[str, list[dict]] = defaultdict(list)
    for r in records:
        by_lang[r.get("lang") or "und"].append(r)
    joined = []
    for group in by_lang.values():
        title, parts = "", []
        for r in group:
            title = title or r.get("title") or ""
            parts.append(r.get("text") or "")
            if sum(map(len, parts)) >= chars:
                joined.append((title, "\n\n".join(parts)))
                title, parts = "", []
    return joined


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT / "eval" / "devset.jsonl"),
                        help="JSON Lines with title and text (article-length texts)")
    parser.add_argument("--langid", default=str(ROOT / "eval" / "langid.jsonl"),
                        help="language-ID set to score every detector on ('' to skip)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per article (best is kept)")
    parser.add_argument("--no-lingua", action="store_true", help="leave lingua out")
    parser.add_argument("--article-chars", type=int, default=3000,
                        help="also time texts joined to this length (0 to skip)")
    parser.add_argument("--out", help="write the figures to this JSON file")
    args = parser.parse_args(argv)

    if not Path(args.data).exists():
        print(f"{args.data} not found: pass --data FILE (JSON Lines with title and text)")
        return 2
    records = list(read_jsonl(args.data, ("text",)))
    sets = {"dev set texts": [(r.get("title") or "", r.get("text") or "") for r in records]}
    if args.article_chars:
        sets[f"joined to {args.article_chars}+ chars"] = long_articles(records, args.article_chars)
    found = detectors(not args.no_lingua)
    figures: dict = {"timing": {}, "accuracy": {}}
    for label, articles in sets.items():
        chars = statistics.median(len(t) + len(x) for t, x in articles)
        print(f"{label}: {len(articles)} texts, median {chars:.0f} characters")
        timing = {name: time_detector(detect, articles, args.repeat)
                  for name, detect in found.items()}
        _print_timing(timing)
        figures["timing"][label] = {"texts": len(articles), "median_chars": chars, **timing}

    if args.langid and Path(args.langid).exists():
        samples = list(read_jsonl(args.langid, ("lang", "kind", "text")))
        for name, detect in found.items():
            figures["accuracy"][name] = accuracy(detect, samples)
        _print_accuracy(figures["accuracy"], len(samples), args.langid)

    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
        print(f"\nfigures written to {args.out}")
    return 0


def _print_timing(timing: dict[str, dict]) -> None:
    base = timing["monitor.language"]["median_ms"]
    print(f"{'detector':<28}{'median ms':>10}{'p90 ms':>10}{'vs ours':>9}")
    for name, t in timing.items():
        ratio = t["median_ms"] / base if base else float("nan")
        t["ratio_to_ours"] = round(ratio, 2)
        print(f"{name:<28}{t['median_ms']:>10.3f}{t['p90_ms']:>10.3f}{ratio:>8.2f}x")
    print()


def _print_accuracy(table: dict[str, dict], n: int, path: str) -> None:
    keys = sorted({k for rows in table.values() for k in rows})
    print(f"\nAccuracy on {path} ({n} samples)")
    print(f"{'':<18}" + "".join(f"{name[:16]:>18}" for name in table))
    for key in keys:
        cells = [table[name].get(key, {}).get("accuracy") for name in table]
        support = next(rows[key]["n"] for rows in table.values() if key in rows)
        label = f"{key} (n={support})"
        print(f"{label:<18}" + "".join(f"{c:>18.3f}" if c is not None else f"{'-':>18}"
                                       for c in cells))


if __name__ == "__main__":
    raise SystemExit(main())
