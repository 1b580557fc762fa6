"""Processing of one fetched page: extract -> detect language -> classify -> fingerprint.
The Scrapy pipelines, ``monitor extract`` and ``monitor reprocess`` all call these
functions, so a page is judged the same way during a crawl and years later."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from monitor.classify import Decision, classify
from monitor.dedupe import Fingerprint, fingerprint
from monitor.extract import Extracted, Skip, extract_article
from monitor.language import LanguageResult, detect_language
from monitor.registry import Outlet

LEAD_CHARS = 600


@dataclass(frozen=True)
class Page:
    """One fetched response, as the spider or a WARC record gives it."""

    url: str
    body: bytes
    fetched_at: datetime
    outlet_key: str
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)  # lower-case names
    warc_file: str | None = None
    warc_offset: int | None = None
    warc_record_id: str | None = None


@dataclass(frozen=True)
class ProcessedArticle:
    page: Page
    extracted: Extracted
    language: LanguageResult
    decision: Decision
    fingerprint: Fingerprint
    edition_lang: str | None


def normalize_lang_tag(tag: str) -> str | None:
    """'ru-RU' -> 'ru', 'kk_KZ' -> 'kk', 'kz' -> 'kk' (a common mistake), junk -> None."""
    base = re.split(r"[-_]", tag.strip().lower(), maxsplit=1)[0]
    if base == "kz" or base == "kaz":
        return "kk"
    return base if re.fullmatch(r"[a-z]{2}", base) else None


def language_hints(declared: Sequence[str], edition_lang: str | None) -> tuple[str, ...]:
    hints = [h for h in (normalize_lang_tag(t) for t in declared) if h]
    if edition_lang:
        hints.append(edition_lang)
    return tuple(dict.fromkeys(hints))


def analyze(title: str, text: str, hints: Sequence[str] = ()) -> tuple[LanguageResult, Decision]:
    """Language, then classification in that language: the part ``reprocess`` re-runs."""
    language = detect_language(text, title=title, hints=hints)
    return language, classify(title, text, language.lang)


def process_page(page: Page, outlet: Outlet | None) -> ProcessedArticle | Skip:
    result = extract_article(page.body, page.url, outlet=outlet, fetched_at=page.fetched_at,
                             headers=page.headers)
    if isinstance(result, Skip):
        return result
    edition = outlet.edition_for(result.url) or outlet.edition_for(page.url) if outlet else None
    edition_lang = edition.lang if edition else None
    hints = language_hints(result.declared_langs, edition_lang)
    language, decision = analyze(result.title, result.text, hints)
    return ProcessedArticle(
        page=page,
        extracted=result,
        language=language,
        decision=decision,
        fingerprint=fingerprint(result.title, result.text),
        edition_lang=edition_lang,
    )
