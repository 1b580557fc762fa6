"""Trends: weekly series of relevant articles by topic, outlet or language, each beside the
total from the same outlets (so a rise can be read as a share), and spike detection.

Weeks are ISO weeks (Monday to Sunday) in the report time zone (MONITOR_TIMEZONE, default
Asia/Almaty). Spike rule (docs/analysts.md): a week is a spike for a series when its
relevant count is at least SPIKE_MIN, at least SPIKE_FACTOR times the mean of the
BASELINE_WEEKS weeks before it, and at least that mean plus SPIKE_SDS standard deviations.
Weeks without articles count as zero in the baseline."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from monitor.repository import Repository

BASELINE_WEEKS = 8
SPIKE_MIN = 3
SPIKE_FACTOR = 2.0
SPIKE_SDS = 2.0
DIMENSIONS = ("topic", "outlet", "lang")
_WEEK = re.compile(r"^(\d{4})-?W(\d{2})$")


class WeekError(ValueError):
    """Not an ISO week; the message shows the form."""


@dataclass(frozen=True, order=True)
class IsoWeek:
    year: int
    week: int

    @classmethod
    def parse(cls, text: str) -> IsoWeek:
        match = _WEEK.match(text.strip().upper())
        if not match:
            raise WeekError(f"{text!r} is not an ISO week; use YYYY-Www, e.g. 2026-W48")
        year, week = int(match[1]), int(match[2])
        try:
            date.fromisocalendar(year, week, 1)
        except ValueError:
            raise WeekError(f"{text!r}: {year} has no week {week}") from None
        return cls(year, week)

    @classmethod
    def of(cls, day: date) -> IsoWeek:
        iso = day.isocalendar()
        return cls(iso.year, iso.week)

    @classmethod
    def current(cls, zone, now: datetime | None = None) -> IsoWeek:  # type: ignore[no-untyped-def]
        from datetime import UTC

        return cls.of((now or datetime.now(UTC)).astimezone(zone).date())

    @property
    def key(self) -> str:
        return f"{self.year}-W{self.week:02d}"

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    def shift(self, weeks: int) -> IsoWeek:
        return IsoWeek.of(self.monday + timedelta(weeks=weeks))

    def __str__(self) -> str:
        return self.key


def is_spike(count: int, baseline: Sequence[int]) -> bool:
    """The spike rule for one week's relevant count against the weeks before it."""
    if count < SPIKE_MIN:
        return False
    mean = sum(baseline) / len(baseline) if baseline else 0.0
    sd = math.sqrt(sum((x - mean) ** 2 for x in baseline) / len(baseline)) if baseline else 0.0
    return count >= SPIKE_FACTOR * mean and count >= mean + SPIKE_SDS * sd


@dataclass(frozen=True)
class Point:
    week: str
    relevant: int
    total: int  # every article of the same week and outlets
    baseline: float  # mean relevant count of the BASELINE_WEEKS weeks before
    spike: bool

    @property
    def share(self) -> float:
        return self.relevant / self.total if self.total else 0.0

    def as_json(self) -> dict:
        return {"week": self.week, "relevant": self.relevant, "total": self.total,
                "share": round(self.share, 4), "baseline": round(self.baseline, 2),
                "spike": self.spike}


@dataclass(frozen=True)
class Trends:
    by: str
    zone: str
    weeks: tuple[str, ...]
    series: dict[str, tuple[Point, ...]]
    totals: tuple[tuple[int, int], ...]  # (relevant, articles) per week, every outlet
    partial_week: str | None = None  # the current week, not over yet
    rule: dict = field(default_factory=lambda: {
        "baseline_weeks": BASELINE_WEEKS, "min": SPIKE_MIN, "factor": SPIKE_FACTOR, "sds": SPIKE_SDS})

    def spikes(self) -> list[tuple[str, Point]]:
        return [(key, p) for key, points in self.series.items() for p in points if p.spike]

    def as_json(self) -> dict:
        return {
            "by": self.by, "zone": self.zone, "weeks": list(self.weeks),
            "partial_week": self.partial_week, "spike_rule": self.rule,
            "totals": [{"week": w, "relevant": r, "articles": n}
                       for w, (r, n) in zip(self.weeks, self.totals, strict=True)],
            "series": [{"key": k, "points": [p.as_json() for p in pts]}
                       for k, pts in self.series.items()],
            "spikes": [{"key": k, **p.as_json()} for k, p in self.spikes()],
        }

    def format(self) -> str:
        """A table: one row per series, one column per week ('r/t' = relevant of total for
        outlets and languages; '^' marks a spike)."""
        with_total = self.by != "topic"
        labels = [w.split("-")[1] + ("*" if w == self.partial_week else "") for w in self.weeks]
        cells: list[tuple[str, list[str]]] = []
        for key, points in self.series.items():
            cells.append((key, [(f"{p.relevant}/{p.total}" if with_total else str(p.relevant))
                                + ("^" if p.spike else "") for p in points]))
        cells.append(("all relevant", [str(r) for r, _ in self.totals]))
        cells.append(("all articles", [str(n) for _, n in self.totals]))
        key_width = max(len(k) for k, _ in cells)
        width = max(max(len(c) for _, row in cells for c in row), max(len(lb) for lb in labels)) + 1
        lines = [f"relevant articles per ISO week by {self.by} ({self.zone}); "
                 f"^ spike, * week not over"]
        lines.append(" " * key_width + "".join(lb.rjust(width) for lb in labels))
        for key, row in cells:
            lines.append(key.ljust(key_width) + "".join(c.rjust(width) for c in row))
        spikes = self.spikes()
        if spikes:
            lines.append("")
            lines.append("spikes: " + "; ".join(
                f"{k} {p.week}: {p.relevant} (baseline {p.baseline:.1f})" for k, p in spikes))
        return "\n".join(lines)


def weekly_trends(repo: Repository, *, by: str = "topic", weeks: int = 12, end: IsoWeek,
                  zone: str, partial_week: IsoWeek | None = None,
                  keys: Sequence[str] = ()) -> Trends:
    """Series for the ``weeks`` ISO weeks ending with ``end``; ``keys`` are series to show
    even when empty (e.g. every topic the classifier knows)."""
    if by not in DIMENSIONS:
        raise ValueError(f"--by {by!r}: use one of {', '.join(DIMENSIONS)}")
    if weeks < 1:
        raise ValueError("--weeks must be at least 1")
    first = end.shift(-(weeks - 1))
    scan = [first.shift(i - BASELINE_WEEKS) for i in range(weeks + BASELINE_WEEKS)]
    lo, hi = scan[0].monday.isoformat(), end.monday.isoformat()
    counts: dict[str, dict[str, tuple[int, int]]] = {}
    for week, key, relevant, total in repo.weekly_series_rows(by, lo, hi):
        counts.setdefault(str(key), {})[week] = (relevant, total)
    totals = repo.weekly_totals(lo, hi)
    shown = [w.key for w in scan[BASELINE_WEEKS:]]
    names = list(dict.fromkeys([*keys, *sorted(k for k, c in counts.items()
                                               if any(w in c for w in shown))]))
    series: dict[str, tuple[Point, ...]] = {}
    for name in names:
        by_week = counts.get(name, {})
        weekly = [by_week.get(w.key, (0, 0))[0] for w in scan]
        points = []
        for i in range(BASELINE_WEEKS, len(scan)):
            week = scan[i].key
            total = totals.get(week, (0, 0))[1] if by == "topic" else by_week.get(week, (0, 0))[1]
            base = weekly[i - BASELINE_WEEKS:i]
            points.append(Point(week, weekly[i], total, sum(base) / BASELINE_WEEKS,
                                is_spike(weekly[i], base)))
        series[name] = tuple(points)
    return Trends(
        by=by, zone=zone, weeks=tuple(shown), series=series,
        totals=tuple(totals.get(w, (0, 0)) for w in shown),
        partial_week=partial_week.key if partial_week and partial_week.key in shown else None,
    )
