"""Full-text search: one small query language, translated to SQLite FTS5 and to PostgreSQL
tsquery so that both databases answer alike (the index and the SQL: monitor/views.py and
Repository.search_articles).

Query language (docs/analysts.md): words must all occur (AND); ``"two words"`` is a phrase;
``word*`` matches by prefix (Kazakh and Russian endings: ``жер*``, ``китайск*``); ``OR``
between words or groups gives alternatives; ``-word`` excludes. Matching ignores case and
keeps diacritics (``ё`` is not ``е``, ``ş`` is not ``s``) on both databases; no stemming."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

_TOKEN = re.compile(r'-?"[^"]*"?|\S+')
_WORD = re.compile(r"[^\W_]+")  # what both tokenizers keep: letters and digits


class SearchQueryError(ValueError):
    """The query cannot be searched; the message says how to write it."""


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]  # one word, or a phrase
    prefix: bool = False
    negated: bool = False


@dataclass(frozen=True)
class SearchQuery:
    """A parsed query: alternatives (OR) of conjunctions (AND) of terms."""

    groups: tuple[tuple[Term, ...], ...]

    @property
    def fts5(self) -> str:
        parts = []
        for group in self.groups:
            pos = " AND ".join(_fts5_term(t) for t in group if not t.negated)
            neg = "".join(f" NOT {_fts5_term(t)}" for t in group if t.negated)
            parts.append(f"({pos}{neg})")
        return " OR ".join(parts)

    @property
    def tsquery(self) -> str:
        parts = []
        for group in self.groups:
            terms = [("!" if t.negated else "") + _ts_term(t) for t in group]
            parts.append("(" + " & ".join(terms) + ")")
        return " | ".join(parts)


def _fts5_term(term: Term) -> str:
    # Words are letters and digits only (see _WORD), so quoting them is always safe.
    return '"' + " ".join(term.words) + '"' + (" *" if term.prefix else "")


def _ts_term(term: Term) -> str:
    lexemes = [f"'{w}'" for w in term.words]
    if term.prefix:
        lexemes[-1] += ":*"
    return lexemes[0] if len(lexemes) == 1 else "(" + " <-> ".join(lexemes) + ")"


def parse_query(raw: str) -> SearchQuery:
    """Parse the user's query; SearchQueryError when nothing searchable is left."""
    groups: list[list[Term]] = [[]]
    for token in _TOKEN.findall(raw):
        if token == "OR":
            groups.append([])
            continue
        negated = token.startswith("-") and len(token) > 1
        body = token[1:] if negated else token
        phrase = body.startswith('"')
        prefix = not phrase and body.endswith("*")
        words = tuple(w.lower() for w in _WORD.findall(body))
        if not words:
            continue  # punctuation alone: nothing either index could match
        groups[-1].append(Term(words, prefix=prefix, negated=negated))
    kept = [tuple(g) for g in groups if g]
    if not kept:
        raise SearchQueryError(f"nothing to search for in {raw!r}; give words, e.g. "
                               "'митинг китай*' or '\"land code\" OR жер*'")
    for group in kept:
        if all(t.negated for t in group):
            raise SearchQueryError("a query needs at least one word that must occur besides "
                                   "the excluded ones (-word), e.g. 'завод -автозавод'")
    return SearchQuery(tuple(kept))


def local_midnight_utc(day: date, zone: ZoneInfo) -> datetime:
    """The instant a local calendar day starts, for --since in the report time zone."""
    from datetime import UTC

    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def format_hits(hits: list[dict], zone: ZoneInfo) -> str:
    """Plain-text results: date, outlet, language, relevance mark, title, snippet, link."""
    if not hits:
        return "no articles match"
    lines = []
    for hit in hits:
        published = hit["published_at"]
        day = published.astimezone(zone).date().isoformat() if published else "no date   "
        mark = "*" if hit["relevant"] else " "
        lines.append(f"{day} {hit['outlet']:<12} {hit['lang']:<3}{mark} {_one_line(hit['title'])}")
        snippet = _one_line(hit.get("snippet") or "")
        if snippet:
            lines.append(f"    {snippet[:160]}")
        lines.append(f"    {hit['url']}")
    return "\n".join(lines)


def hit_json(hit: dict) -> dict:
    published = hit["published_at"]
    if isinstance(published, datetime):
        published = published.isoformat()
    return {"article_id": hit["article_id"], "outlet": hit["outlet"], "lang": hit["lang"],
            "published_at": published, "title": hit["title"], "url": hit["url"],
            "relevant": bool(hit["relevant"]), "topics": [t for t in hit["topics"].split(",") if t],
            "snippet": hit.get("snippet") or "", "rank": float(hit["rank"])}


def _one_line(value: str) -> str:
    return " ".join(value.split())
