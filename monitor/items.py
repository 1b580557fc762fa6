"""The item that travels through the Scrapy pipelines: one fetched page and what the
stages made of it."""

from __future__ import annotations

from dataclasses import dataclass

from monitor.process import Page, ProcessedArticle


@dataclass
class PageItem:
    page: Page
    lang: str = ""  # the outlet edition's language ("" when the URL fits none)
    processed: ProcessedArticle | None = None
