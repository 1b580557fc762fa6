"""Transports: what stands in for the network below Scrapy's middlewares, so robots.txt,
retries, redirects, decompression and counting run exactly as in a live crawl.

- ``ReplayDownloadHandler`` answers every request from WARC files (offline replay);
  a URL that was never recorded gets a 404.
- ``OriginOverrideDownloadHandler`` sends every request to one loopback server (tests and
  fault injection), with the original host in the Host header; responses keep the
  original URL."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.core.downloader.handlers.base import BaseDownloadHandler
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes

from monitor.archive import ReplayIndex


def download_handlers(replay: list[str] | tuple[str, ...], origin: str) -> dict[str, str]:
    """Scrapy's DOWNLOAD_HANDLERS for a replay or loopback-origin crawl ({} when live)."""
    if replay:
        handler = "monitor.transport.ReplayDownloadHandler"
    elif origin:
        handler = "monitor.transport.OriginOverrideDownloadHandler"
    else:
        return {}
    return {"http": handler, "https": handler}


class ReplayDownloadHandler(BaseDownloadHandler):
    lazy = False

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        paths = crawler.settings.getlist("MONITOR_REPLAY")
        if not paths:
            raise NotConfigured("MONITOR_REPLAY names no WARC file")
        self.index = ReplayIndex([Path(p) for p in paths])

    async def download_request(self, request: Request) -> Response:
        record = self.index.get(request.url)
        if record is None:
            self.crawler.stats.inc_value("monitor/replay_miss")
            return Response(request.url, status=404, body=b"", request=request,
                            flags=["replay-miss"])
        headers = Headers(record.headers)
        cls = responsetypes.from_args(headers=headers, url=request.url, body=record.body)
        request.meta["warc"] = record.ref
        request.meta["fetched_at"] = record.date
        return cls(url=request.url, status=record.status, headers=headers, body=record.body,
                   request=request, flags=["replay"])

    async def close(self) -> None:
        self.index.close()  # the index connections and the WARC files it kept open


class OriginOverrideDownloadHandler(HTTP11DownloadHandler):
    lazy = False

    def __init__(self, crawler: Crawler):
        origin = crawler.settings.get("MONITOR_ORIGIN_OVERRIDE")
        if not origin:
            raise NotConfigured("MONITOR_ORIGIN_OVERRIDE is not set")
        super().__init__(crawler)
        self.origin = origin.rstrip("/")

    async def download_request(self, request: Request) -> Response:
        parts = urlsplit(request.url)
        target = self.origin + (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        headers = request.headers.copy()
        headers["Host"] = parts.netloc
        headers["X-Forwarded-Proto"] = parts.scheme
        wire = request.replace(url=target, headers=headers)
        response = await super().download_request(wire)
        return response.replace(url=request.url, request=request)
