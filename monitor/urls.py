"""URL canonicalisation: one function used by discovery, the spider and storage, so a URL
seen in a feed and the same URL stored in the database compare equal."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url, safe_url_string

# Query parameters that never change what an article page shows.
TRACKING_PARAMS = frozenset({
    "at_medium", "at_campaign", "at_custom1", "at_custom2", "at_custom3", "at_custom4",
    "fbclid", "gclid", "yclid", "mc_cid", "mc_eid", "ref", "ref_src", "from", "utm_referrer",
    "amp", "output", "share",
})


def canonicalize(url: str) -> str:
    """Return the canonical form of ``url``.

    Lower-cases the host (kept otherwise as given: ``www.azattyq.org`` and
    ``rus.azattyq.org`` are different editions), drops the fragment, default ports and
    tracking parameters (``utm_*`` and the list above), sorts the remaining query,
    percent-encodes consistently, and writes http as https (outlets serve the same page on
    both, and feeds mix them).
    """
    url = safe_url_string(url.strip())
    parts = urlsplit(url)
    scheme = "https" if parts.scheme in ("http", "https") else parts.scheme
    host = (parts.hostname or "").lower().rstrip(".")
    port = parts.port
    netloc = host if port in (None, 80, 443) else f"{host}:{port}"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not k.lower().startswith("utm_") and k.lower() not in TRACKING_PARAMS]
    path = parts.path or "/"
    rebuilt = urlunsplit((scheme, netloc, path, urlencode(query), ""))
    return canonicalize_url(rebuilt, keep_fragments=False)


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()
