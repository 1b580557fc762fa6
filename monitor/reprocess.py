"""Reprocessing: re-run language detection and classification over stored articles (after a
lexicon or detector change) with the same functions the crawl uses; idempotent, and it
reports how many decisions changed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from monitor.process import analyze
from monitor.repository import Repository


@dataclass
class ReprocessReport:
    total: int = 0
    changed: int = 0  # any of lang, china, protest, relevant, topics differs
    lang_changed: int = 0
    relevant_changed: int = 0
    became_relevant: list[int] = field(default_factory=list)
    no_longer_relevant: list[int] = field(default_factory=list)

    def as_json(self) -> dict:
        return {"total": self.total, "changed": self.changed, "lang_changed": self.lang_changed,
                "relevant_changed": self.relevant_changed,
                "became_relevant": self.became_relevant,
                "no_longer_relevant": self.no_longer_relevant}


def reprocess(repository: Repository, *, since: datetime | None = None,
              progress: Callable[[int], None] | None = None) -> ReprocessReport:
    report = ReprocessReport()
    for article in repository.iter_articles(since=since):
        hints = (article.edition_lang,) if article.edition_lang else ()
        language, decision = analyze(article.title, article.text, hints)
        old = article.decision
        before = (article.lang, old.china, old.protest, old.relevant, old.topics,
                  old.lexicon_version) if old else None
        after = (language.lang, decision.china, decision.protest, decision.relevant,
                 ",".join(decision.topics), decision.lexicon_version)
        report.total += 1
        if before != after:
            if before is None or before[:5] != after[:5]:
                report.changed += 1
            if before is None or before[0] != after[0]:
                report.lang_changed += 1
            if before is None or before[3] != after[3]:
                report.relevant_changed += 1
                (report.became_relevant if decision.relevant else report.no_longer_relevant
                 ).append(article.id)
            repository.update_analysis(article.id, language.lang, language.script,
                                       language.confidence, decision)
        if progress:
            progress(1)
    return report
