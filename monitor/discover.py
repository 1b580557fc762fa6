"""Discovery: parse feeds (RSS 2.0, RSS 1.0/RDF, Atom), XML sitemaps (indexes, url sets,
Google News sitemaps) and listing pages into candidate links. Plain functions over bytes;
the spider decides which links are articles of which outlet.

XML from the web is parsed without DTDs, entity expansion or network access, so entity
bombs and external entities are neither expanded nor fetched; an internal DTD subset is cut
before parsing, so its entity declarations cannot stop the parser half-way through the
links (the references stay unexpanded)."""

from __future__ import annotations

import io
import logging
import re
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urljoin

import lxml.html
from lxml import etree

from monitor.dates import parse_iso

log = logging.getLogger(__name__)

MAX_XML_BYTES = 50 * 1024 * 1024  # a sitemap may be 50 MB uncompressed, by the protocol
# A DOCTYPE with an internal subset ([...]) in the prolog: where entities are declared.
_DTD_SUBSET = re.compile(rb"<!DOCTYPE\b[^\[>]*\[.*?\]\s*>", re.S | re.I)
# A character reference to a UTF-16 surrogate (&#xD800; .. &#xDFFF;, 55296 .. 57343): lxml's
# recovering parser keeps it as bytes that are no UTF-8, and reading such a tag or text then
# raises UnicodeDecodeError. It is made U+FFFD before parsing.
_SURROGATE_REF = re.compile(
    rb"&#(?:[xX]0*[dD][89a-fA-F][0-9a-fA-F]{2}"
    rb"|0*(?:5529[6-9]|55[3-9][0-9]{2}|56[0-9]{3}|57[0-2][0-9]{2}|573[0-3][0-9]|5734[0-3]));")


class DiscoveryError(ValueError):
    """A feed, sitemap or listing could not be read at all (counted as malformed)."""


@dataclass(frozen=True)
class Link:
    url: str
    published: datetime | None = None  # feed pubDate / sitemap lastmod or news date
    title: str | None = None


@dataclass(frozen=True)
class Sitemap:
    kind: str  # "index" | "urlset"
    entries: list[Link] = field(default_factory=list)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
        huge_tree=False, recover=True, remove_comments=True,
    )


def maybe_gunzip(body: bytes, limit: int = MAX_XML_BYTES) -> bytes:
    """Decompress a gzipped sitemap, refusing anything that inflates past ``limit``."""
    if not body.startswith(b"\x1f\x8b"):
        return body
    out = io.BytesIO()
    decomp = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        chunk = decomp.decompress(body, limit + 1)
    except zlib.error as exc:  # the gzip magic, then no gzip stream
        raise DiscoveryError(f"corrupt gzip body: {exc}") from None
    out.write(chunk)
    if out.tell() > limit or decomp.unconsumed_tail:
        raise DiscoveryError(f"gzip body inflates past {limit} bytes; refused")
    return out.getvalue()


def _root(body: bytes) -> etree._Element:
    body = maybe_gunzip(body)
    if len(body) > MAX_XML_BYTES:
        raise DiscoveryError(f"XML body of {len(body)} bytes is over the {MAX_XML_BYTES} limit")
    if not body.strip():
        raise DiscoveryError("empty document")
    if b"&#" in body:
        body = _SURROGATE_REF.sub(b"&#xFFFD;", body)
    head = body[:65536]
    if b"<!DOCTYPE" in head or b"<!doctype" in head:
        body = _DTD_SUBSET.sub(b"", head, count=1) + body[65536:]
    try:
        root = etree.fromstring(body.lstrip(), parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise DiscoveryError(f"not XML: {exc}") from None
    if root is None:
        raise DiscoveryError("not XML: no root element")
    return root


def _local(tag: object) -> str:
    # Not etree.QName: it refuses the odd tag names recovery makes of broken XML ("https:").
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _child_text(node: etree._Element, *names: str) -> str | None:
    for child in node:
        if _local(child.tag) in names:
            text = (child.text or "").strip()
            if text:
                return text
    return None


def _date(text: str | None) -> datetime | None:
    if not text:
        return None
    parsed = parse_iso(text)
    if parsed:
        return parsed.value
    try:
        from email.utils import parsedate_to_datetime

        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None


def _absolute(base_url: str, href: str) -> str | None:
    """``href`` resolved against the page's URL; None for a link urllib refuses (a bad
    IPv6 bracket or port): that link is logged and passed over, the rest of the page read."""
    try:
        return urljoin(base_url, href.strip())
    except ValueError as exc:
        log.warning("unusable link %r on %s passed over: %s", href[:200], base_url, exc)
        return None


def parse_feed(body: bytes, base_url: str) -> list[Link]:
    """Links of an RSS 2.0, RSS 1.0 (RDF) or Atom feed, in feed order."""
    root = _root(body)
    links: list[Link] = []
    for node in root.iter():
        kind = _local(node.tag)
        if kind == "item":
            href = _child_text(node, "link") or _child_text(node, "guid")
            date = _child_text(node, "pubdate", "date", "published")
        elif kind == "entry":
            href = None
            for child in node:
                if _local(child.tag) == "link" and child.get("rel", "alternate") == "alternate":
                    href = child.get("href")
                    break
            date = _child_text(node, "published", "updated")
        else:
            continue
        url = _absolute(base_url, href) if href else None
        if url:
            links.append(Link(url, _date(date), _child_text(node, "title")))
    if not links and _local(root.tag) not in ("rss", "feed", "rdf"):
        raise DiscoveryError(f"not a feed: root element <{_local(root.tag)}>")
    return links


def parse_sitemap(body: bytes, base_url: str) -> Sitemap:
    """A sitemap index (child sitemaps) or url set (pages), with lastmod / news dates."""
    root = _root(body)
    kind = _local(root.tag)
    if kind not in ("sitemapindex", "urlset"):
        raise DiscoveryError(f"not a sitemap: root element <{kind}>")
    entries: list[Link] = []
    for node in root:
        if _local(node.tag) not in ("sitemap", "url"):
            continue
        loc = _child_text(node, "loc")
        if not loc:
            continue
        date_text = _child_text(node, "lastmod")
        title = None
        for child in node:
            if _local(child.tag) == "news":
                date_text = _child_text(child, "publication_date") or date_text
                title = _child_text(child, "title")
        url = _absolute(base_url, loc)
        if url:
            entries.append(Link(url, _date(date_text), title))
    return Sitemap("index" if kind == "sitemapindex" else "urlset", entries)


def listing_links(body: bytes | str, base_url: str) -> list[str]:
    """Every distinct link on a listing page, absolute, in page order."""
    if isinstance(body, bytes):
        from monitor.extract import decode_html

        body = decode_html(body)
    if not body.strip():
        raise DiscoveryError("empty listing page")
    try:
        tree = lxml.html.fromstring(body)
    except (etree.ParserError, ValueError) as exc:
        raise DiscoveryError(f"unparsable listing page: {exc}") from None
    seen: dict[str, None] = {}
    for anchor in tree.iter("a"):
        href = (anchor.get("href") or "").strip()
        if href and not href.startswith(("#", "javascript:", "mailto:", "tel:")):
            url = _absolute(base_url, href)
            if url:
                seen.setdefault(url, None)
    return list(seen)
