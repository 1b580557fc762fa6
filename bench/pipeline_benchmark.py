"""The pipeline's cost against the extractor alone, on a generated corpus of recorded article
pages (bench/corpus.py), on one core:

- pipeline_vs_trafilatura: CPU time of `monitor crawl --replay` over the corpus (Scrapy
  through the real spider, middlewares and pipelines: replay, extract, language, classify,
  dedupe, store in SQLite) divided by the CPU time of trafilatura.extract (default options)
  alone on the same article pages, in this process;
- classify_share: language detection plus classification (monitor.process.analyze on the
  same pages, with its one-time lexicon load) over the pipeline's time;
- rerun_ratio: a second crawl over the same snapshot divided by the first (and the number of
  article pages it fetched again, which must be 0);
- pipeline_vs_newsplease: per page, the pipeline against news-please's extraction of a
  sample of the same pages (news-please runs in its own virtualenv under bench/out/, since
  it pins older versions of packages the monitor uses).

CPU seconds rather than wall time: the machine's two cores are shared, and a process's own
CPU time does not count the time other work took from it.

    python bench/pipeline_benchmark.py --pages 5000 --out bench/out/pipeline.json
"""

from __future__ import annotations

import argparse
import base64
import json
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import corpus as corpus_mod  # noqa: E402
from benchutil import BenchError, monitor_cmd, monitor_env, pin_one_core, report, run_child  # noqa: E402

NEWSPLEASE = "news-please==1.6.16"
NEWSPLEASE_SAMPLE = 300
STORE_BATCH = 50  # monitor/settings.py MONITOR_STORE_BATCH


def load_pages(corpus: corpus_mod.Corpus) -> list[tuple[str, bytes]]:
    from monitor.archive import ReplayIndex

    index = ReplayIndex([corpus.warc])
    pages = []
    for url in corpus.urls():
        record = index.get(url)
        if record is None:
            raise BenchError(f"{url} is not in {corpus.warc}")
        pages.append((url, record.body))
    index.close()
    return pages


def trafilatura_cpu(pages: list[tuple[str, bytes]], **options: object) -> float:
    import trafilatura

    trafilatura.extract(pages[0][1], url=pages[0][0], **options)  # imports and caches warm
    started = time.process_time()
    for url, body in pages:
        trafilatura.extract(body, url=url, **options)
    return time.process_time() - started


def analyze_cpu(pages: list[tuple[str, bytes]]) -> tuple[float, float]:
    """(seconds for language + classification of every page, one-time load seconds in a
    fresh interpreter), on the title and text the pipeline extracts."""
    from monitor.extract import Extracted, extract_article
    from monitor.process import analyze, language_hints
    from monitor.registry import Registry

    registry = Registry.load()
    inputs = []
    for url, body in pages:
        outlet = registry.for_url(url)
        result = extract_article(body, url, outlet=outlet)
        if isinstance(result, Extracted):
            edition = outlet.edition_for(result.url) if outlet else None
            inputs.append((result.title, result.text,
                           language_hints(result.declared_langs, edition.lang if edition else None)))
    load = subprocess.run(
        [sys.executable, "-c", "import time; from monitor.process import analyze; "
         "t = time.process_time(); analyze('', 'warm-up', ()); print(time.process_time() - t)"],
        cwd=ROOT, capture_output=True, text=True, check=True)
    analyze("", "warm-up", ())
    started = time.process_time()
    for title, text, hints in inputs:
        analyze(title, text, hints)
    return time.process_time() - started, float(load.stdout.strip())


def stage_breakdown(pages: list[tuple[str, bytes]], out_dir: Path) -> dict[str, float]:
    """CPU milliseconds per page of each stage, run in this process on the same pages: what
    the pipeline's time is made of (the rest is Scrapy, replay and start-up)."""
    from datetime import UTC, datetime

    from monitor.db import make_engine, migrate
    from monitor.dedupe import fingerprint
    from monitor.extract import Extracted, extract_article
    from monitor.process import Page, ProcessedArticle, analyze, language_hints, process_page
    from monitor.registry import Registry
    from monitor.repository import Repository

    registry = Registry.load()
    when = datetime(2026, 11, 28, 18, 0, tzinfo=UTC)
    owned = [(Page(url, body, when, ""), registry.for_url(url)) for url, body in pages]
    analyze("", "warm-up", ())

    def clock(fn) -> tuple[float, list]:  # type: ignore[no-untyped-def]
        started = time.process_time()
        out = [fn(page, outlet) for page, outlet in owned]
        return (time.process_time() - started) * 1000 / len(owned), out

    extract_ms, extracted = clock(
        lambda p, o: extract_article(p.body, p.url, outlet=o, fetched_at=p.fetched_at))
    good = [(e, o) for e, (_, o) in zip(extracted, owned, strict=True) if isinstance(e, Extracted)]
    started = time.process_time()
    for e, o in good:
        edition = o.edition_for(e.url) if o else None
        analyze(e.title, e.text, language_hints(e.declared_langs, edition.lang if edition else None))
    analyze_ms = (time.process_time() - started) * 1000 / len(owned)
    started = time.process_time()
    for e, _ in good:
        fingerprint(e.title, e.text)
    fingerprint_ms = (time.process_time() - started) * 1000 / len(owned)
    processed = [(r, o) for r, (_, o) in zip((process_page(p, o) for p, o in owned), owned, strict=True)
                 if isinstance(r, ProcessedArticle)]
    db = out_dir / "stage-store.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    repository = Repository(make_engine(f"sqlite:///{db}"))
    migrate(repository.engine)
    ids = repository.sync_outlets(registry)
    # In batches of one outlet's articles, as the store pipeline commits them.
    batches: list[tuple[int, list]] = []
    for item, outlet in processed:
        if not batches or batches[-1][0] != ids[outlet.key] or len(batches[-1][1]) >= STORE_BATCH:
            batches.append((ids[outlet.key], []))
        batches[-1][1].append(item)
    started = time.process_time()
    for outlet_id, items in batches:
        repository.store_articles(items, outlet_id=outlet_id, run_id=None)
    store_ms = (time.process_time() - started) * 1000 / len(owned)
    repository.engine.dispose()
    return {"extract": round(extract_ms, 2), "analyze": round(analyze_ms, 2),
            "fingerprint": round(fingerprint_ms, 2), "store": round(store_ms, 2)}


def in_fresh_process(corpus: corpus_mod.Corpus, what: str, out_dir: Path) -> dict:
    """Run one in-process measurement (trafilatura alone, its fast mode, or the stages) in a
    fresh interpreter, so its caches start as cold as the crawl's (trafilatura's and
    dateparser's caches make a second pass over the same pages cheaper)."""
    done = subprocess.run([sys.executable, __file__, "--measure", what, "--warc", str(corpus.warc),
                           "--urls", str(corpus.article_urls), "--out-dir", str(out_dir)],
                          cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BenchError(f"measuring {what} failed: {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(what: str, warc: Path, urls: Path, out_dir: Path) -> dict:
    corpus = corpus_mod.Corpus(warc, 0, "", (), urls)
    pages = load_pages(corpus)
    if what == "trafilatura":
        return {"cpu_s": trafilatura_cpu(pages)}
    if what == "trafilatura-fast":
        return {"cpu_s": trafilatura_cpu(pages, fast=True, include_comments=False, include_tables=True)}
    return stage_breakdown(pages, out_dir)


def crawl(corpus: corpus_mod.Corpus, data_dir: Path):  # type: ignore[no-untyped-def]
    return run_child(monitor_cmd(*corpus.crawl_args()), monitor_env(data_dir))


def db_counts(data_dir: Path, after_run_id: int = 0) -> dict[str, int]:
    with sqlite3.connect(data_dir / "monitor.sqlite3") as db:
        articles = db.execute("SELECT count(*) FROM articles").fetchone()[0]
        last_run = db.execute("SELECT coalesce(max(id), 0) FROM crawl_runs").fetchone()[0]
        fetched = db.execute(
            "SELECT coalesce(sum(c.value), 0) FROM crawl_counters c JOIN crawl_runs r ON r.id = c.run_id "
            "WHERE r.id > ? AND c.name = 'article_requests'", (after_run_id,)).fetchone()[0]
        new = db.execute("SELECT coalesce(sum(articles_new), 0) FROM crawl_runs WHERE id > ?",
                         (after_run_id,)).fetchone()[0]
    return {"articles": articles, "last_run_id": last_run, "article_requests": fetched, "new": new}


# ------------------------------------------------------------------ news-please


def newsplease_python(out_dir: Path) -> Path:
    """A virtualenv with news-please (created once; raises BenchError when it cannot be)."""
    venv = out_dir / "newsplease-venv"
    python = venv / "bin" / "python"
    if python.exists() and subprocess.run([python, "-c", "import newsplease"],
                                          capture_output=True).returncode == 0:
        return python
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    install = subprocess.run([python, "-m", "pip", "install", "-q", "--disable-pip-version-check",
                              NEWSPLEASE], capture_output=True, text=True, timeout=1200)
    if install.returncode != 0:
        raise BenchError(f"pip install {NEWSPLEASE} failed: {install.stderr.strip()[-500:]}")
    return python


NEWSPLEASE_RUNNER = """
import base64, json, sys, time
from newsplease import NewsPlease
pages = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
def run(p):
    html = base64.b64decode(p["body"]).decode("utf-8", "replace")
    try:
        return NewsPlease.from_html(html, url=p["url"], fetch_images=False)
    except TypeError:
        return NewsPlease.from_html(html, url=p["url"])
run(pages[0])
t = time.process_time()
texts = sum(1 for p in pages if (getattr(run(p), "maintext", None) or ""))
print(json.dumps({"cpu_s": time.process_time() - t, "pages": len(pages), "with_text": texts}))
"""


def newsplease_cpu(pages: list[tuple[str, bytes]], out_dir: Path) -> dict[str, float]:
    python = newsplease_python(out_dir)
    sample = pages[:: max(1, len(pages) // NEWSPLEASE_SAMPLE)][:NEWSPLEASE_SAMPLE]
    data = out_dir / "newsplease-pages.jsonl"
    with data.open("w", encoding="utf-8") as fh:
        for url, body in sample:
            fh.write(json.dumps({"url": url, "body": base64.b64encode(body).decode()}) + "\n")
    runner = out_dir / "newsplease_runner.py"
    runner.write_text(NEWSPLEASE_RUNNER, encoding="utf-8")
    done = subprocess.run([python, str(runner), str(data)], capture_output=True, text=True,
                          timeout=3600)
    if done.returncode != 0:
        raise BenchError(f"news-please run failed: {done.stderr.strip()[-800:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------ the figures


def run(pages: int, out_dir: Path, *, newsplease: bool = True) -> dict:
    core = pin_one_core()
    corpus = corpus_mod.build(pages, out_dir=out_dir)
    page_bodies = load_pages(corpus)
    data_dir = out_dir / f"pipeline-run-{corpus.pages}"
    shutil.rmtree(data_dir, ignore_errors=True)

    reference = [in_fresh_process(corpus, "trafilatura", out_dir)["cpu_s"]]
    first = crawl(corpus, data_dir)
    reference.append(in_fresh_process(corpus, "trafilatura", out_dir)["cpu_s"])
    after_first = db_counts(data_dir)
    fast = in_fresh_process(corpus, "trafilatura-fast", out_dir)["cpu_s"]
    second = crawl(corpus, data_dir)
    after_second = db_counts(data_dir, after_first["last_run_id"])
    stages = in_fresh_process(corpus, "stages", out_dir)
    analyze_s, load_s = analyze_cpu(page_bodies)
    ref = statistics.mean(reference)
    result: dict = {
        "pages": corpus.pages,
        "core": core,
        "corpus": corpus.warc.name,
        "trafilatura_cpu_s": [round(x, 2) for x in reference],
        "trafilatura_ms_per_page": round(ref / corpus.pages * 1000, 2),
        "trafilatura_fast_cpu_s": round(fast, 2),
        "pipeline_cpu_s": round(first.cpu_s, 2),
        "pipeline_wall_s": round(first.wall_s, 2),
        "pipeline_ms_per_page": round(first.cpu_s / corpus.pages * 1000, 2),
        "pipeline_peak_rss_mb": round(first.max_rss_kb / 1024, 1),
        "stored_articles": after_first["articles"],
        "pipeline_vs_trafilatura": round(first.cpu_s / ref, 3),
        "pipeline_vs_trafilatura_fast": round(first.cpu_s / fast, 3),
        "analyze_cpu_s": round(analyze_s, 2),
        "analyze_load_s": round(load_s, 2),
        "classify_share": round((analyze_s + load_s) / first.cpu_s, 3),
        "rerun_cpu_s": round(second.cpu_s, 2),
        "rerun_ratio": round(second.cpu_s / first.cpu_s, 3),
        "rerun_article_fetches": after_second["article_requests"],
        "rerun_new_articles": after_second["new"],
        "stages_ms_per_page": stages,
    }
    stages["scrapy_replay_startup"] = round(result["pipeline_ms_per_page"] - sum(stages.values()), 2)
    if result["stored_articles"] < 0.98 * corpus.pages:
        raise BenchError(f"only {result['stored_articles']} of {corpus.pages} pages were stored; "
                         f"the crawl's log:\n{first.stderr[-3000:]}")
    if newsplease:
        try:
            np = newsplease_cpu(page_bodies, out_dir)
            result["newsplease_ms_per_page"] = round(np["cpu_s"] / np["pages"] * 1000, 2)
            result["newsplease_pages"] = np["pages"]
            result["pipeline_vs_newsplease"] = round(
                result["pipeline_ms_per_page"] / result["newsplease_ms_per_page"], 3)
        except (BenchError, OSError, subprocess.SubprocessError, ValueError) as exc:
            result["pipeline_vs_newsplease"] = None
            result["newsplease_note"] = str(exc)[:500]
    else:
        result["pipeline_vs_newsplease"] = None
        result["newsplease_note"] = "not run (--no-newsplease)"
    return result


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=5000)
    parser.add_argument("--out-dir", type=Path, default=corpus_mod.OUT)
    parser.add_argument("--no-newsplease", action="store_true")
    parser.add_argument("--out", type=Path, help="write the figures as JSON here")
    parser.add_argument("--measure", choices=("trafilatura", "trafilatura-fast", "stages"),
                        help=argparse.SUPPRESS)  # one measurement, in a fresh process
    parser.add_argument("--warc", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--urls", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    if args.measure:
        print(json.dumps(measure(args.measure, args.warc, args.urls, args.out_dir)))
        return {}
    result = run(args.pages, args.out_dir, newsplease=not args.no_newsplease)
    return report(result, args.out)


if __name__ == "__main__":
    main()
