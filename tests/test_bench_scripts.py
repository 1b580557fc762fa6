"""The benchmark scripts (bench/) in their tiny mode, so they cannot rot: the generated
corpus is what the real spider crawls, and `bench/run.py --quick` writes every figure.
No timing is asserted here; speed is measured by `make bench`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))


def test_generated_corpus_fits_the_registry_and_is_cached(tmp_path: Path, registry) -> None:
    import corpus

    from monitor.archive import ReplayIndex

    built = corpus.build(40, out_dir=tmp_path)
    urls = built.urls()
    assert len(urls) == len(set(urls)) == built.pages == 40
    assert all(registry.for_url(u) and registry.for_url(u).is_article_url(u) for u in urls)
    index = ReplayIndex([built.warc])
    page = index.get(urls[0])
    assert page is not None and page.status == 200 and b"<h1" in page.body
    assert any("sitemap" in u for u in index.urls())  # the crawl's way to every article
    assert corpus.build(40, out_dir=tmp_path).warc == built.warc  # cached, not rebuilt
    small = corpus.build(40, small=True, out_dir=tmp_path)
    assert small.warc != built.warc and small.warc.stat().st_size < built.warc.stat().st_size


def test_run_quick_writes_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    proc = subprocess.run([sys.executable, "bench/run.py", "--quick", "--out", str(out),
                           "--work-dir", str(tmp_path / "work")],
                          cwd=ROOT, capture_output=True, text=True, timeout=1500)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads(out.read_text())
    figures = result["figures"]
    for name in ("pipeline_vs_trafilatura", "classify_share", "rerun_ratio", "rss_ratio",
                 "trend_query_ms_sqlite"):
        assert isinstance(figures[name]["value"], float | int), (name, figures[name])
        assert "target" in figures[name] and isinstance(figures[name]["met"], bool)
    assert figures["pipeline_vs_newsplease"]["value"] is None  # not installed in quick mode
    assert "note" in figures["pipeline_vs_newsplease"]
    pipeline = result["details"]["pipeline"]
    assert pipeline["rerun_article_fetches"] == 0 and pipeline["rerun_new_articles"] == 0
    assert pipeline["stored_articles"] >= 0.98 * pipeline["pages"]
    memory = result["details"]["memory"]
    assert memory["stored_large"] >= 0.98 * memory["pages_large"]
    trend = result["details"]["trend"]
    assert trend["sqlite"]["articles"] == 10000 and trend["sqlite"]["trend_rows"] > 0
    if trend.get("postgres"):  # same rows from both databases
        assert trend["postgres"]["trend_rows"] == trend["sqlite"]["trend_rows"]
    assert result["machine"]["cores"] and result["machine"]["packages"]["trafilatura"]
