"""Trends: ISO weeks, the spike rule, weekly series with their denominators over a real
database, and `monitor trends` output (table and JSON)."""

from __future__ import annotations

import json

import pytest

from monitor.classify import TOPICS
from monitor.trends import IsoWeek, WeekError, is_spike, weekly_trends
from tests.conftest import monitor_env, run_monitor
from tests.reportdata import add_article, at, make_repository


def test_iso_weeks_parse_shift_and_refuse_bad_input() -> None:
    week = IsoWeek.parse("2026-W48")
    assert (week.monday.isoformat(), week.sunday.isoformat()) == ("2026-11-23", "2026-11-29")
    assert week.shift(6).key == "2027-W01" and week.shift(-48).key == "2025-W52"
    assert IsoWeek.parse("2020w53").key == "2020-W53"  # 2020 has 53 weeks
    for bad in ("2026-48", "2026-W60", "2021-W53", "last week"):
        with pytest.raises(WeekError, match="YYYY-Www|has no week"):
            IsoWeek.parse(bad)


@pytest.mark.parametrize(("count", "baseline", "spike"), [
    (3, [0] * 8, True),  # a quiet topic's first real cluster
    (2, [0] * 8, False),  # below the minimum
    (3, [1, 0, 0, 0, 0, 0, 0, 1], True),
    (4, [2] * 8, True),  # twice a steady level
    (3, [2] * 8, False),  # not twice the mean
    (10, [0, 10, 0, 10, 0, 10, 0, 10], False),  # within a swinging topic's usual range
    (16, [0, 10, 0, 10, 0, 10, 0, 10], True),
])
def test_spike_rule(count: int, baseline: list[int], spike: bool) -> None:
    assert is_spike(count, baseline) is spike


@pytest.fixture(scope="module")
def weekly(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Ten weeks of one land article a week from tengrinews, then a week of five; azattyq
    publishes irrelevant articles only."""
    data = tmp_path_factory.mktemp("trends")
    repo = make_repository(f"sqlite:///{data / 'monitor.sqlite3'}")
    start = IsoWeek.parse("2026-W36")
    for i in range(10):
        monday = start.shift(i).monday
        add_article(repo, outlet="tengrinews", published_at=at(f"{monday} 06:00"),
                    title=f"land {i}", relevant=i % 3 == 0, topics=("land",) if i % 3 == 0 else ())
        add_article(repo, outlet="azattyq", lang="kk", published_at=at(f"{monday} 07:00"),
                    title=f"k {i}")
    spike_week = start.shift(10)  # 2026-W46
    for j in range(5):
        add_article(repo, outlet="tengrinews", published_at=at(f"{spike_week.monday} 0{j}:00"),
                    title=f"spike {j}", relevant=True,
                    topics=("land", "pollution") if j < 2 else ("land",))
    return {"repo": repo, "env": monitor_env(data), "spike": spike_week}


def test_weekly_series_flags_the_spike_and_carry_totals(weekly: dict) -> None:
    trends = weekly_trends(weekly["repo"], by="topic", weeks=12, end=IsoWeek.parse("2026-W47"),
                           zone="Asia/Almaty", keys=TOPICS)
    assert trends.weeks[0] == "2026-W36" and trends.weeks[-1] == "2026-W47"
    assert list(trends.series) == list(TOPICS)
    land = {p.week: p for p in trends.series["land"]}
    assert land["2026-W46"].relevant == 5 and land["2026-W46"].spike
    assert land["2026-W46"].total == 5  # every article of the week, all outlets
    assert land["2026-W36"].relevant == 1 and land["2026-W36"].total == 2
    assert land["2026-W47"].relevant == 0 and land["2026-W47"].total == 0
    assert [k for k, p in trends.spikes()] == ["land"]  # pollution: 2, below the minimum
    assert trends.series["sinophobia"][0].relevant == 0
    assert trends.totals[-2] == (5, 5)


def test_series_by_outlet_use_each_outlets_own_total(weekly: dict) -> None:
    trends = weekly_trends(weekly["repo"], by="outlet", weeks=3, end=IsoWeek.parse("2026-W46"),
                           zone="Asia/Almaty")
    assert set(trends.series) == {"tengrinews", "azattyq"}
    azattyq = trends.series["azattyq"]
    assert [(p.relevant, p.total) for p in azattyq] == [(0, 1), (0, 1), (0, 0)]
    assert (trends.series["tengrinews"][-1].relevant, trends.series["tengrinews"][-1].total) == (5, 5)


def test_trends_command_table_and_json(weekly: dict) -> None:
    env = weekly["env"]
    table = run_monitor(["trends", "--until", "2026-W47", "--weeks", "4"], env).stdout
    lines = table.splitlines()
    assert "W44" in lines[1] and "W47" in lines[1]
    assert lines[2].split() == ["land", "0", "1", "5^", "0"]
    assert "spikes: land 2026-W46: 5 (baseline 0.4)" in table  # 3 in 8 weeks
    data = json.loads(run_monitor(["trends", "--by", "lang", "--until", "2026-W46", "--weeks", "2",
                                   "--json"], env).stdout)
    assert data["by"] == "lang" and data["zone"] == "Asia/Almaty"
    assert data["weeks"] == ["2026-W45", "2026-W46"]
    assert data["spike_rule"] == {"baseline_weeks": 8, "min": 3, "factor": 2.0, "sds": 2.0}
    ru = next(s for s in data["series"] if s["key"] == "ru")
    assert ru["points"][-1] == {"week": "2026-W46", "relevant": 5, "total": 5, "share": 1.0,
                                "baseline": 0.38, "spike": True}
    bad = run_monitor(["trends", "--until", "W46"], env, check=False)
    assert bad.returncode == 2 and "YYYY-Www" in bad.stderr and "Traceback" not in bad.stderr


def test_series_read_by_time_match_the_counting_views(weekly: dict) -> None:
    from sqlalchemy import text

    repo, first, last = weekly["repo"], "2026-08-31", "2026-11-16"
    with repo.engine.connect() as conn:
        outlets = conn.execute(text(
            "SELECT week, outlet, SUM(relevant), SUM(articles) FROM v_weekly_counts "
            f"WHERE week_start >= '{first}' AND week_start <= '{last}' GROUP BY week, outlet")).all()
        topics = conn.execute(text(
            "SELECT week, topic, SUM(relevant) FROM v_weekly_topic_counts "
            f"WHERE week_start >= '{first}' AND week_start <= '{last}' GROUP BY week, topic "
            "HAVING SUM(relevant) > 0")).all()
    assert sorted(repo.weekly_series_rows("outlet", first, last)) == sorted(tuple(r) for r in outlets)
    assert sorted(r[:3] for r in repo.weekly_series_rows("topic", first, last)) == \
        sorted(tuple(r) for r in topics)
