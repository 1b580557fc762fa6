"""A loopback HTTP server that serves recorded responses by Host header and path, so the
real spiders crawl it unchanged through MONITOR_ORIGIN_OVERRIDE. Tests may add handlers
(callables) for fault injection."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from monitor.snapshot import Response


@dataclass
class Served:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


Handler = Callable[["RequestInfo"], Served | None]


@dataclass
class RequestInfo:
    host: str
    path: str  # path with query
    headers: dict[str, str]


class SiteServer:
    """Serves ``responses`` (keyed by host + path?query); records every request."""

    def __init__(self, responses: Iterable[Response] = ()):
        self.pages: dict[tuple[str, str], Served] = {}
        self.handlers: list[Handler] = []
        self.log: list[RequestInfo] = []
        self._lock = threading.Lock()
        for r in responses:
            self.add(r.url, r.status, r.header_list(), r.body)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @staticmethod
    def key(url: str) -> tuple[str, str]:
        parts = urlsplit(url)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        return parts.netloc.lower(), path

    def add(self, url: str, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.pages[self.key(url)] = Served(status, headers, body)

    @property
    def origin(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def requested(self, url: str) -> int:
        host, path = self.key(url)
        with self._lock:
            return sum(1 for r in self.log if r.host == host and r.path == path)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # quiet
                pass

            def do_GET(self) -> None:  # noqa: N802
                host = (self.headers.get("Host") or "").lower()
                info = RequestInfo(host, self.path, {k.lower(): v for k, v in self.headers.items()})
                with server._lock:
                    server.log.append(info)
                served = None
                for handler in server.handlers:
                    served = handler(info)
                    if served is not None:
                        break
                if served is None:
                    served = server.pages.get((host, self.path)) or Served(
                        404, [("Content-Type", "text/plain")], b"not recorded")
                self.send_response(served.status)
                names = {k.lower() for k, _ in served.headers}
                for k, v in served.headers:
                    self.send_header(k, v)
                if "content-length" not in names:
                    self.send_header("Content-Length", str(len(served.body)))
                self.end_headers()
                self.wfile.write(served.body)

        return H

    def __enter__(self) -> SiteServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
