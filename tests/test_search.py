"""`monitor search`: the query language, its translation to FTS5 and tsquery (quoting that
no user input can break), and the command over a real database with --lang, --since,
--relevant and --json. Cross-database agreement on the demo: tests/test_analyst_queries.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor.search import SearchQueryError, parse_query
from tests.conftest import monitor_env, run_monitor
from tests.reportdata import add_article, at, make_repository


@pytest.mark.parametrize(("query", "fts5", "tsquery"), [
    ("митинг", '("митинг")', "('митинг')"),
    ("Митинг КИТАЙ*", '("митинг" AND "китай" *)', "('митинг' & 'китай':*)"),
    ('"land code" OR жер*', '("land code") OR ("жер" *)', "(('land' <-> 'code')) | ('жер':*)"),
    ("завод -автозавод", '("завод" NOT "автозавод")', "('завод' & !'автозавод')"),
    ("жер-су", '("жер су")', "(('жер' <-> 'су'))"),
    # an unclosed quote runs to the end; punctuation never reaches either query language
    ('x" OR "; DROP TABLE articles; --', '("x") OR ("drop table articles")',
     "('x') | (('drop' <-> 'table' <-> 'articles'))"),
])
def test_queries_translate_alike_for_both_databases(query: str, fts5: str, tsquery: str) -> None:
    parsed = parse_query(query)
    assert parsed.fts5 == fts5
    assert parsed.tsquery == tsquery


@pytest.mark.parametrize("query", ["", "   ", "***", "-китай", "OR", '""'])
def test_queries_with_nothing_to_find_are_refused_with_an_example(query: str) -> None:
    with pytest.raises(SearchQueryError, match="e.g."):
        parse_query(query)


@pytest.fixture(scope="module")
def searchable(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    data = tmp_path_factory.mktemp("search")
    repo = make_repository(f"sqlite:///{data / 'monitor.sqlite3'}")
    add_article(repo, outlet="tengrinews", published_at=at("2019-09-04 08:00"), relevant=True,
                topics=("industrial_projects",), title="Митинг против китайских заводов в Жанаозене",
                text="Жители вышли на митинг против строительства китайских заводов.")
    add_article(repo, outlet="tengrinews", published_at=at("2024-05-10 08:00"),
                title="Китайский автозавод откроется в Костанае", text="Автозавод соберёт машины.")
    add_article(repo, outlet="azattyq", lang="kk", published_at=at("2021-02-08 10:00"),
                relevant=True, topics=("xinjiang",), title="Қытай консулдығы алдында наразылық",
                text="Шыңжаңдағы туыстарын іздеген адамдар Қытай консулдығы алдында тұр.")
    add_article(repo, outlet="rferl", lang="en", published_at=at("2016-05-06 04:30"),
                relevant=True, topics=("land",), title="Kazakhstan freezes Land Code amendments",
                text="The land code amendments allowed foreigners to lease farmland.")
    return monitor_env(data)


def _urls_titles(env: dict[str, str], *args: str) -> list[str]:
    hits = json.loads(run_monitor(["search", *args, "--json"], env).stdout)
    return [h["title"] for h in hits]


def test_search_command_filters_and_json(searchable: dict[str, str]) -> None:
    env = searchable
    assert len(_urls_titles(env, "китай*")) == 2  # ru only: Kazakh қытай is another word
    assert _urls_titles(env, "китай*", "--since", "2020-01-01") == [
        "Китайский автозавод откроется в Костанае"]
    assert _urls_titles(env, "китай*", "--relevant") == ["Митинг против китайских заводов в Жанаозене"]
    assert _urls_titles(env, "қытай", "--lang", "kk") == ["Қытай консулдығы алдында наразылық"]
    assert _urls_titles(env, "қытай", "--lang", "ru") == []
    assert _urls_titles(env, '"land code"') == ["Kazakhstan freezes Land Code amendments"]
    assert _urls_titles(env, "завод* -автозавод*") == ["Митинг против китайских заводов в Жанаозене"]
    hit = json.loads(run_monitor(["search", "LAND", "--json"], env).stdout)[0]
    assert hit["outlet"] == "rferl" and hit["lang"] == "en" and hit["relevant"] is True
    assert hit["topics"] == ["land"] and "[" in hit["snippet"]
    assert hit["published_at"].startswith("2016-05-06T04:30")


def test_search_text_output_and_errors(searchable: dict[str, str]) -> None:
    out = run_monitor(["search", "митинг"], searchable).stdout
    assert "2019-09-04 tengrinews" in out and "ru *" in out and "[Митинг]" in out
    assert run_monitor(["search", "nothingmatchesthis"], searchable).stdout.strip() == "no articles match"
    bad = run_monitor(["search", "***"], searchable, check=False)
    assert bad.returncode == 2 and bad.stderr.startswith("error: nothing to search for")
    assert "Traceback" not in bad.stderr
    since = run_monitor(["search", "x", "--since", "last week"], searchable, check=False)
    assert since.returncode == 2 and "YYYY-MM-DD" in since.stderr


def test_a_new_article_is_searchable_at_once(tmp_path: Path) -> None:
    repo = make_repository(f"sqlite:///{tmp_path / 'monitor.sqlite3'}")
    env = monitor_env(tmp_path)
    assert _urls_titles(env, "Хоргос") == []
    add_article(repo, outlet="tengrinews", published_at=at("2026-11-20 10:00"),
                title="Грузооборот Хоргоса вырос", text="Сухой порт Хоргос.")
    assert _urls_titles(env, "хоргос*") == ["Грузооборот Хоргоса вырос"]
