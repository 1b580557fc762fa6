"""Crawl counters: every event of a crawl is a Scrapy stat named ``monitor/<lang>/<name>``
(lang "" when not tied to an edition); the run recorder stores them per run and language."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

PREFIX = "monitor/"


def count(stats: Any, lang: str, name: str, value: int = 1) -> None:
    stats.inc_value(f"{PREFIX}{lang or ''}/{name}", value)


def split_counters(stats: Mapping[str, Any]) -> dict[tuple[str, str], int]:
    """{"monitor/ru/articles_new": 3} -> {("ru", "articles_new"): 3}."""
    out: dict[tuple[str, str], int] = {}
    for key, value in stats.items():
        if not key.startswith(PREFIX) or not isinstance(value, int):
            continue
        rest = key[len(PREFIX):]
        lang, _, name = rest.partition("/") if "/" in rest else ("", "", rest)
        out[(lang, name)] = out.get((lang, name), 0) + value
    return out


def total(counters: Mapping[tuple[str, str], int], name: str) -> int:
    return sum(v for (_, n), v in counters.items() if n == name)


def total_prefix(counters: Mapping[tuple[str, str], int], prefix: str,
                 exclude: tuple[str, ...] = ()) -> int:
    return sum(v for (_, n), v in counters.items() if n.startswith(prefix) and n not in exclude)
