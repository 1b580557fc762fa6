"""Crawl health: one row per outlet and language from the recorded crawl runs (their
per-language counters) and the stored articles, with flags for what needs a person: no new
article in N runs, a week far below the usual volume, many empty titles / dates / bodies,
blocked responses, a failed last run. Rules and thresholds: docs/health.md."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from monitor.models import CrawlRun
from monitor.registry import Outlet, Registry

STATUSES = ("ok", "warning", "failing", "blocked")  # in order of severity
DEFAULT_RUNS = 3
WEEK = timedelta(days=7)
BASELINE_WEEKS = 4  # the 28 days before this week
LOW_VOLUME_SD = 1.5
MIN_BASELINE_WEEKLY = 3.0  # below this weekly mean the volume rule stays quiet
EMPTY_SHARE = 0.2  # more than this share of article pages with an empty field is flagged
MIN_PAGES = 3  # fewer article pages than this in the window: too few to judge shares
BLOCKED_SHARE = 0.5  # this share of a run's responses blocked means the outlet is blocked

# Flag -> the status it gives at least; empty bodies are worse than empty titles or dates.
SEVERITY = {
    "blocked": "blocked",
    "failed_run": "failing",
    "empty_bodies": "failing",
    "no_new_articles": "warning",
    "low_volume": "warning",
    "empty_fields": "warning",
    "never_crawled": "warning",
    "paused": "warning",
}


@dataclass(frozen=True)
class HealthRow:
    outlet: str
    lang: str
    status: str  # "ok" | "warning" | "failing" | "blocked"
    flags: tuple[str, ...]  # "no_new_articles", "low_volume", "empty_fields", "blocked", ...
    reasons: tuple[str, ...] = ()  # one readable sentence per flag
    last_run_at: datetime | None = None
    last_run_status: str | None = None
    runs: int = 0  # runs considered (at most the `runs` asked for)
    requests: int = 0  # last run, this language
    responses: int = 0
    responses_by_status: tuple[tuple[int, int], ...] = ()
    new_articles: int = 0  # last run
    seen_articles: int = 0
    extract_failed: int = 0
    blocked_responses: int = 0
    pages: int = 0  # article pages over the considered runs (for the shares below)
    empty_titles: int = 0
    empty_dates: int = 0
    empty_bodies: int = 0
    empty_authors: int = 0
    newest_article: datetime | None = None
    week_volume: int = 0
    mean_28d: float | None = None  # mean weekly volume over the 28 days before this week
    sd_28d: float | None = None
    new_by_run: tuple[int, ...] = field(default=())  # new articles per run, newest first

    def as_json(self) -> dict[str, Any]:
        def iso(value: datetime | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "outlet": self.outlet, "lang": self.lang, "status": self.status,
            "flags": list(self.flags), "reasons": list(self.reasons),
            "last_run_at": iso(self.last_run_at), "last_run_status": self.last_run_status,
            "runs": self.runs, "requests": self.requests, "responses": self.responses,
            "responses_by_status": {str(k): v for k, v in self.responses_by_status},
            "new_articles": self.new_articles, "seen_articles": self.seen_articles,
            "extract_failed": self.extract_failed, "blocked_responses": self.blocked_responses,
            "pages": self.pages, "empty_titles": self.empty_titles,
            "empty_dates": self.empty_dates, "empty_bodies": self.empty_bodies,
            "empty_authors": self.empty_authors, "newest_article": iso(self.newest_article),
            "week_volume": self.week_volume,
            "mean_28d": None if self.mean_28d is None else round(self.mean_28d, 2),
            "sd_28d": None if self.sd_28d is None else round(self.sd_28d, 2),
            "new_by_run": list(self.new_by_run),
        }


def outlet_health(repository: Any, registry: Registry, *, now: datetime | None = None,
                  runs: int = DEFAULT_RUNS) -> list[HealthRow]:
    """Health of every registry outlet and language, in registry order (editions in their
    order); ``worst_first`` sorts them for display. ``runs`` is N of "no new article in N
    runs" and the window for the empty-field shares."""
    if runs < 1:
        raise ValueError("runs must be at least 1")
    now = now or datetime.now(UTC)
    newest = repository.newest_published()
    weeks = [repository.volume_between(now - WEEK * (i + 1), now - WEEK * i)
             for i in range(BASELINE_WEEKS + 1)]
    rows = []
    for outlet in registry:
        history = repository.recent_runs(outlet.key, runs)
        for lang in outlet.languages:
            covering = [r for r in history if r.lang in (None, "", lang)][:runs]
            volumes = [w.get((outlet.key, lang), 0) for w in weeks]
            rows.append(_row(outlet, lang, covering, runs, newest.get((outlet.key, lang)),
                             volumes))
    return rows


def _counters(run: CrawlRun, lang: str) -> dict[str, int]:
    return {c.name: c.value for c in run.counters if c.lang == lang}


def _summed(runs: Iterable[CrawlRun], lang: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for run in runs:
        for name, value in _counters(run, lang).items():
            out[name] = out.get(name, 0) + value
    return out


def _row(outlet: Outlet, lang: str, runs_: list[CrawlRun], wanted: int,
         newest: datetime | None, volumes: list[int]) -> HealthRow:
    last = runs_[0] if runs_ else None
    now_counts = _counters(last, lang) if last else {}
    window = _summed(runs_, lang)
    baseline = volumes[1:]
    mean = statistics.fmean(baseline) if baseline else None
    sd = statistics.pstdev(baseline) if baseline else None
    pages = window.get("extracted", 0) + window.get("skip_empty", 0) + window.get("skip_too_short", 0)
    values: dict[str, Any] = dict(
        last_run_at=last.started_at if last else None,
        last_run_status=last.status if last else None,
        runs=len(runs_),
        requests=now_counts.get("requests", 0),
        responses=now_counts.get("responses", 0),
        responses_by_status=tuple(sorted(
            (int(k[7:]), v) for k, v in now_counts.items()
            if k.startswith("status_") and k[7:].isdigit())),
        new_articles=now_counts.get("articles_new", 0),
        seen_articles=now_counts.get("articles_seen", 0),
        extract_failed=now_counts.get("extract_failed", 0),
        blocked_responses=now_counts.get("blocked", 0),
        pages=pages,
        empty_titles=window.get("empty_title", 0),
        empty_dates=window.get("no_date", 0),
        empty_bodies=window.get("skip_empty", 0) + window.get("skip_too_short", 0),
        empty_authors=window.get("empty_author", 0),
        newest_article=newest,
        week_volume=volumes[0],
        mean_28d=mean,
        sd_28d=sd,
        new_by_run=tuple(_counters(r, lang).get("articles_new", 0) for r in runs_),
    )
    flags = _flags(outlet, values, wanted)
    status = max((SEVERITY[f] for f, _ in flags), key=STATUSES.index, default="ok")
    return HealthRow(outlet=outlet.key, lang=lang, status=status,
                     flags=tuple(dict.fromkeys(_public(f) for f, _ in flags)),
                     reasons=tuple(r for _, r in flags), **values)


def _public(flag: str) -> str:
    # Empty bodies weigh more, but for scripts they are one kind of flag: empty fields.
    return "empty_fields" if flag == "empty_bodies" else flag


def _flags(outlet: Outlet, v: Mapping[str, Any], wanted: int) -> list[tuple[str, str]]:
    if outlet.status == "blocked":
        return [("blocked", f"blocked in the registry: {outlet.status_reason}")]
    if outlet.status == "paused":
        return [("paused", f"paused in the registry: {outlet.status_reason}")]
    if v["runs"] == 0:
        return [("never_crawled", "no crawl run has covered this edition yet")]
    flags: list[tuple[str, str]] = []
    if v["last_run_status"] != "finished":
        flags.append(("failed_run", f"the last run ended {v['last_run_status']!r}"))
    elif v["requests"] and not v["responses"]:
        flags.append(("failed_run", f"the last run sent {v['requests']} requests and got no "
                                    "response"))
    if v["blocked_responses"] and v["blocked_responses"] >= BLOCKED_SHARE * v["responses"]:
        flags.append(("blocked", f"{v['blocked_responses']} of {v['responses']} responses in "
                                 "the last run were blocked (401/403/451 or a challenge page)"))
    if v["runs"] >= wanted and not any(v["new_by_run"]):
        flags.append(("no_new_articles", f"no new article in the last {wanted} runs"))
    flags += _empty_field_flags(v)
    mean, sd = v["mean_28d"], v["sd_28d"]
    if mean is not None and mean >= MIN_BASELINE_WEEKLY:
        spread = max(sd or 0.0, math.sqrt(mean))
        floor = mean - LOW_VOLUME_SD * spread
        if v["week_volume"] < floor:
            flags.append(("low_volume", f"{v['week_volume']} articles this week, below "
                                        f"{floor:.1f} (weekly mean {mean:.1f} of the 28 days "
                                        f"before, minus {LOW_VOLUME_SD} × {spread:.1f})"))
    return flags


def _empty_field_flags(v: Mapping[str, Any]) -> list[tuple[str, str]]:
    pages = v["pages"]
    if pages < MIN_PAGES:
        return []
    flags = []
    for key, flag, what in (("empty_bodies", "empty_bodies", "no body text"),
                            ("empty_titles", "empty_fields", "no title"),
                            ("empty_dates", "empty_fields", "no date")):
        if v[key] > EMPTY_SHARE * pages:
            flags.append((flag, f"{v[key]} of {pages} article pages had {what} "
                                f"(more than {EMPTY_SHARE:.0%})"))
    return flags


def worst_first(rows: Iterable[HealthRow]) -> list[HealthRow]:
    """Rows ordered blocked, failing, warning, ok (stable within a status)."""
    order = {s: i for i, s in enumerate(reversed(STATUSES))}
    return sorted(rows, key=lambda r: order[r.status])
