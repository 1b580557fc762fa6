"""The command contracts scripts rely on (issue: `monitor classify`, `extract`, `stats`,
`outlets`), and clear one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

from monitor.snapshot import Response
from tests.conftest import monitor_env, run_monitor


def test_classify_jsonl_contract_in_order_with_errors(tmp_path: Path) -> None:
    lines = [
        json.dumps({"title": "В Жанаозене прошел митинг против китайских заводов",
                    "text": "Жители Жанаозена вышли на митинг против строительства китайских "
                            "заводов и переноса производств из Китая.", "url": "u1"},
                   ensure_ascii=False),
        "{not json",
        json.dumps({"title": "Weather", "text": "Sunny and warm in Almaty today, no rain."}),
        json.dumps({"text": 5}),
    ]
    out = run_monitor(["classify"], monitor_env(tmp_path), input="\n".join(lines) + "\n").stdout
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 4
    first = rows[0]
    for key in ("lang", "china", "protest", "relevant", "score", "topics", "matches"):
        assert key in first
    assert first["lang"] == "ru" and first["relevant"] and first["url"] == "u1"
    assert "error" in rows[1] and rows[1]["line"] == 2
    assert rows[2]["lang"] == "en" and not rows[2]["relevant"]
    assert "error" in rows[3]


def test_extract_contract(tmp_path: Path, snapshot_responses: list[Response]) -> None:
    page = next(r for r in snapshot_responses if r.url.startswith("https://kaz.tengrinews.kz/")
                and r.url.endswith("/") and "/news/page/" not in r.url and r.url.count("/") == 5)
    f = tmp_path / "page.html"
    f.write_bytes(page.body)
    out = json.loads(run_monitor(["extract", str(f), "--url", page.url], monitor_env(tmp_path)).stdout)
    for key in ("title", "text", "date", "author", "lang"):
        assert key in out
    assert out["lang"] == "kk" and out["title"] and len(out["text"]) > 200
    assert out["date"] is None or out["date"][-6] in "+-" or out["date"].endswith("Z")


def test_outlets_json_contract(tmp_path: Path) -> None:
    outlets = json.loads(run_monitor(["outlets", "--json"], monitor_env(tmp_path)).stdout)
    assert {o["key"] for o in outlets} >= {"tengrinews", "azattyq", "rferl", "eurasianet"}
    for o in outlets:
        assert {"key", "name", "domains", "languages", "discovery"} <= set(o)


def test_stats_json_on_an_empty_database(tmp_path: Path) -> None:
    out = json.loads(run_monitor(["stats", "--json"], monitor_env(tmp_path)).stdout)
    assert out["articles"] == 0 and out["relevant"] == 0
    assert out["by_language"] == {} and out["by_outlet"] == {}


def test_errors_are_one_clear_line(tmp_path: Path) -> None:
    env = monitor_env(tmp_path)
    bad = run_monitor(["crawl", "--outlet", "nosuch"], env, check=False)
    assert bad.returncode == 2 and "unknown outlet 'nosuch'" in bad.stderr
    assert "Traceback" not in bad.stderr
    missing = run_monitor(["crawl", "--replay", str(tmp_path / "none.warc.gz")], env, check=False)
    assert missing.returncode == 2 and "monitor snapshot build" in missing.stderr
    date = run_monitor(["crawl", "--since", "yesterday"], env, check=False)
    assert date.returncode == 2 and "YYYY-MM-DD" in date.stderr
    env_bad = monitor_env(tmp_path, DATABASE_URL="nonsense://")
    db = run_monitor(["stats"], env_bad, check=False)
    assert db.returncode != 0 and "Traceback" not in db.stderr and "DATABASE_URL" in db.stderr
