"""Extraction: one fetched HTML page -> the article's fields (``Extracted``) or a counted
reason it is not an article (``Skip``). trafilatura finds the main text; JSON-LD, Open Graph
and visible dates fill the metadata; the outlet entry's per-field overrides fix the rest."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

import lxml.html
import trafilatura
from lxml import etree
from trafilatura.utils import load_html

from monitor.dates import ALMATY, ParsedDate, parse_date
from monitor.registry import Outlet
from monitor.urls import canonicalize

MIN_TEXT_CHARS = 250
MAX_HTML_BYTES = 8 * 1024 * 1024
FUTURE_TOLERANCE = timedelta(days=1)
ARTICLE_TYPES = {"newsarticle", "article", "reportagenewsarticle", "blogposting",
                 "analysisnewsarticle", "opinionnewsarticle", "report", "backgroundnewsarticle"}
# trafilatura options: measured on the 181-page benchmark (bench/bench_extraction.py).
TRAFILATURA_OPTIONS: dict[str, Any] = {"fast": True, "include_comments": False,
                                       "include_tables": True}


@dataclass(frozen=True)
class Extracted:
    url: str  # canonical
    title: str
    text: str
    author: str | None = None
    published_at: datetime | None = None  # UTC
    published_raw: str | None = None
    published_source: str | None = None  # jsonld | meta | time | visible | htmldate | url
    modified_at: datetime | None = None
    section: str | None = None
    description: str | None = None
    declared_langs: tuple[str, ...] = ()  # html lang, og:locale, JSON-LD inLanguage
    image: str | None = None
    warnings: tuple[str, ...] = ()  # counted, non-fatal problems (e.g. "future_date")


@dataclass(frozen=True)
class Skip:
    reason: str  # not_html | empty | not_article | too_short | listing | unparsable
    detail: str = ""


@dataclass
class _Meta:
    jsonld: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, str] = field(default_factory=dict)
    canonical: str | None = None
    html_lang: str | None = None


# ---------------------------------------------------------------- decoding


def decode_html(body: bytes, content_type: str | None = None) -> str:
    """Decode a page, distrusting declared charsets that contradict the bytes.

    Valid UTF-8 with non-ASCII bytes is UTF-8 whatever the header says (the reverse mistake,
    windows-1251 declared as UTF-8, fails UTF-8 decoding and falls through to the other
    candidates); otherwise the header, then the meta tag, then windows-1251.
    """
    if body.startswith(b"\xef\xbb\xbf"):
        return body[3:].decode("utf-8", errors="replace")
    if body.startswith((b"\xff\xfe", b"\xfe\xff")):
        return body.decode("utf-16", errors="replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if _mostly_utf8(body):
        # A UTF-8 page with a few broken bytes: one replacement character each, not the
        # whole page read as windows-1251 mojibake.
        return body.decode("utf-8", errors="replace")
    candidates = [_charset(content_type or ""), _meta_charset(body[:4096]), "windows-1251"]
    for name in candidates:
        if not name or name.replace("-", "").lower() == "utf8":
            continue
        try:
            return body.decode(name)
        except (LookupError, UnicodeDecodeError):
            continue
    return body.decode("utf-8", errors="replace")


def _mostly_utf8(body: bytes) -> bool:
    """At least 20 well-formed UTF-8 sequences for each malformed one. Single-byte Cyrillic
    (windows-1251, KOI8-R) almost never forms valid multi-byte UTF-8 sequences."""
    text = body.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = sum(1 for ch in text if ord(ch) > 127) - bad
    return good >= 20 * bad


def _charset(content_type: str) -> str | None:
    m = re.search(r"charset=[\"']?([\w-]+)", content_type, re.I)
    return m.group(1) if m else None


def _meta_charset(head: bytes) -> str | None:
    m = re.search(rb"<meta[^>]+charset=[\"']?([\w-]+)", head, re.I)
    return m.group(1).decode("ascii", "ignore") if m else None


# ---------------------------------------------------------------- metadata


def _iter_jsonld(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, list):
        for item in node:
            yield from _iter_jsonld(item)
    elif isinstance(node, dict):
        yield node
        if "@graph" in node:
            yield from _iter_jsonld(node["@graph"])


def _types(obj: Mapping[str, Any]) -> set[str]:
    kind = obj.get("@type", "")
    kinds = kind if isinstance(kind, list) else [kind]
    return {str(k).lower() for k in kinds}


def _read_meta(tree: lxml.html.HtmlElement) -> _Meta:
    meta = _Meta()
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text_content() or "null", strict=False)
        except (json.JSONDecodeError, RecursionError):
            continue
        for obj in _iter_jsonld(data):
            if _types(obj) & ARTICLE_TYPES and not meta.jsonld:
                meta.jsonld = obj
    for tag in tree.xpath("//meta[@content]"):
        key = (tag.get("property") or tag.get("name") or tag.get("itemprop") or "").lower()
        if key and key not in meta.meta:
            meta.meta[key] = tag.get("content", "").strip()
    for link in tree.xpath('//link[@rel="canonical"][@href]'):
        meta.canonical = link.get("href")
        break
    meta.html_lang = tree.get("lang") or tree.get("xml:lang")
    return meta


def _text_of(value: Any) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, dict):
        return _text_of(value.get("name"))
    return None


def _authors(meta: _Meta, tree: lxml.html.HtmlElement, outlet: Outlet | None) -> str | None:
    """JSON-LD authors, else the outlet's byline selector, else author meta tags; names the
    outlet excludes (agency or organisation bylines) are dropped at every step, so an
    organisation in JSON-LD does not hide the journalist in the visible byline."""
    pattern = outlet.overrides.author_exclude if outlet else None
    exclude = re.compile(pattern) if pattern else None

    def kept(candidates: list[str]) -> list[str]:
        cleaned = [_BYLINE_PREFIX.sub("", _clean(n)).strip(" ,;") for n in candidates if n]
        return [n for n in cleaned if n and len(n) < 120 and not (exclude and exclude.search(n))]

    raw = meta.jsonld.get("author")
    names = kept([_text_of(item) or "" for item in (raw if isinstance(raw, list) else [raw])])
    if not names and outlet and outlet.overrides.author_selector:
        names = kept([e.text_content() for e in tree.cssselect(outlet.overrides.author_selector)])
    if not names:
        names = kept([e.text_content() for e in _byline_elements(tree)][:3])
    if not names:
        for key in ("author", "article:author", "byl"):
            value = meta.meta.get(key, "")
            if value and not value.startswith("http"):
                names = kept([value])
                if names:
                    break
    return ", ".join(dict.fromkeys(names)) or None


def _byline_elements(tree: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    """Visible bylines marked up the usual ways, inside the article, not in teasers."""
    found = tree.xpath(
        '//article//*[@rel="author" or @itemprop="author" or contains(@class, "byline")'
        ' or contains(concat(" ", normalize-space(@class), " "), " author ")]'
    )
    kept = []
    for el in found:
        ancestors = list(el.iterancestors())
        if any(a.tag in _ASIDE or _TEASER_CLASS.search(a.get("class") or "") for a in ancestors):
            continue
        if _NOT_A_NAME_CLASS.search(el.get("class") or ""):
            continue
        if el.get("itemprop") == "author" and el.xpath('.//*[@itemprop="name"]'):
            el = el.xpath('.//*[@itemprop="name"]')[0]
        if _NAME_LIKE.fullmatch(_BYLINE_PREFIX.sub("", _clean(el.text_content()))):
            kept.append(el)
    return kept


_NOT_A_NAME_CLASS = re.compile(r"role|label|date|time|title|photo|avatar|bio", re.I)
# A person's name, or two joined by a comma / "and": letters only, at most five words.
_NAME_LIKE = re.compile(r"(?:[^\W\d_][\w.'’-]*)(?:[\s,]+(?:[^\W\d_][\w.'’-]*)){0,4}")


_BYLINE_PREFIX = re.compile(r"^(by|автор(ы)?|авторы|текст|авторы материала)\s*:?\s+", re.IGNORECASE)


def _clean(text: str) -> str:
    return " ".join(text.split())


# C0 and C1 control characters (not tab or newline): no page needs them, and in a title
# printed to a terminal ESC or CSI would be obeyed as commands.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _printable(value: str | None) -> str | None:
    return _CONTROLS.sub("", value) if value else value


# ---------------------------------------------------------------- dates

_DATE_META_KEYS = ("article:published_time", "og:published_time", "datepublished",
                   "pubdate", "publishdate", "date", "dc.date.issued", "sailthru.date")
_VISIBLE_DATE_XPATH = (
    '//*[self::time or self::span or self::div or self::p or self::li]'
    '[contains(@class,"date") or contains(@class,"time") or contains(@class,"published")]'
)
_TIME_ONLY = re.compile(r"\d{1,2}:\d{2}(:\d{2})?\s*([ap]\.?m\.?)?", re.I)
_ASIDE = ("aside", "nav", "footer")
_TEASER_CLASS = re.compile(r"related|teaser|card|recommend|more-news|sidebar|widget", re.I)


def _main_times(tree: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    """<time datetime> elements of the article itself, not of related-news teasers."""
    found = []
    for el in tree.xpath("//time[@datetime]"):
        ancestors = list(el.iterancestors())
        if any(a.tag in _ASIDE or _TEASER_CLASS.search(a.get("class") or "") for a in ancestors):
            continue
        found.append(el)
    inside = [el for el in found if any(a.tag in ("article", "main") for a in el.iterancestors())]
    return inside or found


_URL_DATE = re.compile(r"/(20\d\d|19\d\d)[/-]?(0[1-9]|1[0-2])[/-]?(0[1-9]|[12]\d|3[01])(?:/|\b)")


def _published(
    meta: _Meta, tree: lxml.html.HtmlElement, url: str, outlet: Outlet | None,
    zone: tzinfo, now: datetime,
) -> tuple[ParsedDate | None, str | None]:
    def attempt(text: str | None, source: str) -> tuple[ParsedDate, str] | None:
        parsed = parse_date(text, tz=zone, now=now) if text else None
        return (parsed, source) if parsed else None

    found = attempt(_text_of(meta.jsonld.get("datePublished")), "jsonld")
    for key in _DATE_META_KEYS:
        found = found or attempt(meta.meta.get(key), "meta")
    if not found and outlet and outlet.overrides.date_selector:
        for el in tree.cssselect(outlet.overrides.date_selector):
            found = found or attempt(el.get("datetime") or _clean(el.text_content()), "visible")
    if not found:
        for el in _main_times(tree)[:3]:
            found = found or attempt(el.get("datetime"), "time")
    if not found:
        for el in tree.xpath(_VISIBLE_DATE_XPATH)[:12]:
            text = _clean(el.text_content())
            # A bare "16:05" in a news column means "today" on a listing, not this
            # article's date: the generic scan wants a day in the string.
            if 4 <= len(text) <= 60 and not _TIME_ONLY.fullmatch(text):
                found = found or attempt(text, "visible")
    if not found and (m := _URL_DATE.search(url)):
        found = attempt("-".join(m.groups()), "url")
    return found if found else (None, None)


# ---------------------------------------------------------------- body


def _selected_text(tree: lxml.html.HtmlElement, selector: str) -> str:
    parts: list[str] = []
    for container in tree.cssselect(selector):
        for bad in container.xpath(".//script|.//style|.//noscript|.//figure|.//aside"):
            bad.drop_tree()
        paragraphs = container.xpath(".//p|.//h2|.//h3|.//li|.//blockquote")
        if paragraphs:
            parts.extend(_clean(p.text_content()) for p in paragraphs)
        else:
            parts.append(_clean(container.text_content()))
    return "\n".join(p for p in parts if p)


def _drop_boilerplate(text: str, patterns: tuple[str, ...]) -> str:
    if not patterns:
        return text
    regexes = [re.compile(p, re.I) for p in patterns]
    kept = [line for line in text.split("\n") if not any(r.search(line) for r in regexes)]
    return "\n".join(kept)


def _title(meta: _Meta, tree: lxml.html.HtmlElement, outlet: Outlet | None) -> str:
    candidates: list[str | None] = []
    if outlet and outlet.overrides.title_selector:
        candidates += [_clean(e.text_content()) for e in tree.cssselect(outlet.overrides.title_selector)]
    candidates.append(_text_of(meta.jsonld.get("headline")))
    candidates.append(meta.meta.get("og:title"))
    candidates += [_clean(h.text_content()) for h in tree.xpath("//h1")[:1]]
    candidates += [_clean(t.text_content()) for t in tree.xpath("//title")[:1]]
    title = next((c for c in candidates if c), "")
    if outlet and outlet.overrides.title_strip:
        title = re.sub(outlet.overrides.title_strip, "", title).strip()
    return title


# ---------------------------------------------------------------- entry point


def extract_article(
    body: bytes | str,
    url: str,
    *,
    outlet: Outlet | None = None,
    fetched_at: datetime | None = None,
    headers: Mapping[str, str] | None = None,
) -> Extracted | Skip:
    """Extract one page; never raises on bad input (bad pages come back as ``Skip``)."""
    if isinstance(body, bytes):
        if len(body) > MAX_HTML_BYTES:
            return Skip("too_large", f"{len(body)} bytes")
        html = decode_html(body, (headers or {}).get("content-type"))
    else:
        html = body
    if not html.strip():
        return Skip("empty")
    if not re.search(r"<(html|body|div|p|article)\b", html[:100_000], re.I):
        return Skip("not_html")
    try:
        tree = load_html(html)  # trafilatura's own loader: the tree its extractor expects
    except (etree.ParserError, ValueError) as exc:
        return Skip("unparsable", str(exc)[:200])
    if tree is None:
        return Skip("unparsable", "no HTML tree could be built")
    return _extract_tree(tree, html, url, outlet, fetched_at or datetime.now(UTC))


def _extract_tree(
    tree: lxml.html.HtmlElement, html: str, url: str, outlet: Outlet | None, now: datetime,
) -> Extracted | Skip:
    overrides = outlet.overrides if outlet else None
    if overrides and overrides.not_article_selector and tree.cssselect(overrides.not_article_selector):
        return Skip("not_article", "page matches the outlet's not_article_selector")
    meta = _read_meta(tree)
    edition = outlet.edition_for(url) if outlet else None
    zone = outlet.zone(edition) if outlet else ALMATY
    title = _title(meta, tree, outlet)
    published, source = _published(meta, tree, url, outlet, zone, now)
    modified = parse_date(_text_of(meta.jsonld.get("dateModified"))
                          or meta.meta.get("article:modified_time"), tz=zone, now=now)
    author = _authors(meta, tree, outlet)
    text = ""
    if overrides and overrides.body_selector:
        text = _selected_text(tree, overrides.body_selector)
    if len(text) < MIN_TEXT_CHARS:
        text = _trafilatura_text(tree) or _text_of(meta.jsonld.get("articleBody")) or text
    text = _drop_boilerplate(text, overrides.drop_paragraphs if overrides else ())
    text = _drop_leading_title(text, title)
    is_article_markup = bool(meta.jsonld) or meta.meta.get("og:type", "").lower() == "article"
    if not text.strip():
        return Skip("empty", "no main text found")
    prose = _prose_chars(text)
    if prose < MIN_TEXT_CHARS:
        reason = "too_short" if is_article_markup else "not_article"
        return Skip(reason, f"{prose} characters of running text")
    if not is_article_markup and _looks_like_listing(tree, text):
        return Skip("listing", "many links, little running text")
    warnings: list[str] = []
    if published and published.value > now + FUTURE_TOLERANCE:
        warnings.append("future_date")
        published, source = None, None
    if published is None:
        warnings.append("no_date")
    declared = tuple(x for x in (meta.html_lang, meta.meta.get("og:locale"),
                                 _text_of(meta.jsonld.get("inLanguage"))) if x)
    return Extracted(
        url=_canonical_url(url, meta, outlet),
        title=_printable(title) or "",
        text=_printable(text.strip()) or "",
        author=_printable(author),
        published_at=published.value if published else None,
        published_raw=published.raw if published else None,
        published_source=source,
        modified_at=modified.value if modified else None,
        section=_printable(_text_of(meta.jsonld.get("articleSection"))
                           or meta.meta.get("article:section")),
        description=_printable(meta.meta.get("og:description") or meta.meta.get("description")),
        declared_langs=declared,
        image=meta.meta.get("og:image"),
        warnings=tuple(warnings),
    )


def _drop_leading_title(text: str, title: str) -> str:
    """The headline repeated as the first line of the text (it shares the story's
    container on many sites) is the title, not the body."""
    first, _, rest = text.lstrip().partition("\n")
    if title and rest and _clean(first).casefold() == _clean(title).casefold():
        return rest
    return text


def _prose_chars(text: str) -> int:
    """Characters in lines that read as running text (4+ words): menus, captions, counters
    and gallery numbering do not count towards an article's length."""
    return sum(len(line) for line in text.split("\n") if len(line.split()) >= 4)


def _trafilatura_text(tree: lxml.html.HtmlElement) -> str:
    document = trafilatura.bare_extraction(tree, **TRAFILATURA_OPTIONS)
    if document is None:
        return ""
    text = getattr(document, "text", None)
    return text or ""


def _looks_like_listing(tree: lxml.html.HtmlElement, text: str) -> bool:
    links = tree.xpath("//body//a[@href]")
    return len(links) > 100 and len(text) < 400


def _canonical_url(url: str, meta: _Meta, outlet: Outlet | None) -> str:
    fetched = canonicalize(url)
    for candidate in (meta.canonical, meta.meta.get("og:url")):
        if not candidate or not candidate.startswith("http"):
            continue
        canon = canonicalize(candidate)
        if outlet is None or (outlet.owns(canon) and outlet.is_article_url(canon)):
            return canon
    return fetched
