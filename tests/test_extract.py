"""Extraction details the fixture pages do not all reach: bylines, teaser dates, charsets."""

from __future__ import annotations

from datetime import UTC, datetime

from monitor.dates import parse_date
from monitor.extract import Extracted, Skip, decode_html, extract_article
from monitor.registry import Outlet, Overrides, Registry

BODY = "".join(f"<p>Абзац номер {i}: жители района снова обсуждали строительство завода и "
               f"требования к инвестору, который обещал новые рабочие места.</p>" for i in range(6))


def page(head: str = "", byline: str = "", extra: str = "") -> str:
    return (f"<html lang='ru'><head><title>Заголовок</title>{head}</head><body>"
            f"<aside class='related'><time datetime='2001-01-01T00:00:00Z'>old</time></aside>"
            f"<article><h1>Заголовок</h1>{byline}{extra}<div class='text'>{BODY}</div></article>"
            f"</body></html>")


def outlet(**overrides: str) -> Outlet:
    base = Registry.load().get("tengrinews")
    return Outlet(key="t", name="T", homepage=base.homepage, editions=base.editions,
                  article_url=base.article_url, overrides=Overrides(**overrides))


URL = "https://tengrinews.kz/kazakhstan_news/zavod-123/"


def test_teaser_dates_are_not_the_article_date() -> None:
    html = page(extra="<time datetime='2019-09-03T14:05:00+06:00'>3 сентября</time>")
    result = extract_article(html, URL)
    assert isinstance(result, Extracted)
    assert result.published_at == datetime(2019, 9, 3, 8, 5, tzinfo=UTC)
    assert result.published_source == "time"


def test_organisation_in_jsonld_does_not_hide_the_visible_byline() -> None:
    jsonld = ('<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Заголовок",'
              ' "author": {"@type": "Organization", "name": "Agency Service"}}</script>')
    html = page(head=jsonld, byline="<span class='byline'>Автор: Айгерим Сапарова</span>")
    result = extract_article(html, URL, outlet=outlet(author_selector="span.byline",
                                                      author_exclude="^Agency"))
    assert isinstance(result, Extracted) and result.author == "Айгерим Сапарова"


def test_too_little_running_text_is_skipped_not_stored() -> None:
    menu = "".join(f"<li><a href='/s{i}'>Раздел {i}</a></li>" for i in range(40))
    html = f"<html><body><ul>{menu}</ul><p>Фото: архив</p></body></html>"
    result = extract_article(html, URL)
    assert isinstance(result, Skip) and result.reason in ("not_article", "too_short", "empty")


def test_lying_charsets_are_overruled_by_the_bytes() -> None:
    text = "Митинг у консульства Китая"
    assert decode_html(text.encode("cp1251"), "text/html; charset=utf-8") == text
    assert decode_html(text.encode("utf-8"), "text/html; charset=windows-1251") == text


def test_dotted_year_first_dates() -> None:
    assert parse_date("2024.05.08 13:01").value == datetime(2024, 5, 8, 8, 1, tzinfo=UTC)
