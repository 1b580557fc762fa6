"""Distributed crawling: with MONITOR_REDIS_URL set, every crawler process (on one machine or
many) shares, through Redis (scrapy-redis), one request queue per outlet and one duplicate
filter, and writes to one database (PostgreSQL for several machines). A request, discovery
page or article, is fetched by whichever process pops it, once; the spider is unchanged.

A crawl round: the shared filter remembers what this round requested for as long as any
crawler pushes or pops requests, and expires ROUND_IDLE seconds after the last of them, so
tonight's crawlers fetch the feeds again while crawlers started together share one round.
The queues persist across process exits (a crawler that stops early leaves its queued
requests to the others); docs/scaling.md has the commands."""

from __future__ import annotations

import time
import uuid
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy_redis.connection import get_redis_from_settings
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.scheduler import Scheduler
from twisted.internet import task

from monitor.config import Settings

KEY_PREFIX = "monitor"
ROUND_IDLE = 900.0  # seconds without any crawler's push or pop that end a round
_TOUCH_EVERY = 5.0  # refresh the round's expiry at most this often per process
HEARTBEAT = 1.0  # seconds between a busy crawler's heartbeats
STALE = 6.0  # a crawler silent this long is not working any more (finished or killed)


def scrapy_overrides(cfg: Settings) -> dict[str, Any]:
    """Scrapy settings that switch scrapy-redis on ({} when MONITOR_REDIS_URL is unset)."""
    if not cfg.redis_url:
        return {}
    return {
        "SCHEDULER": "monitor.distributed.OutletScheduler",
        "DUPEFILTER_CLASS": "monitor.distributed.RoundDupeFilter",
        "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
        "SCHEDULER_DUPEFILTER_KEY": f"{KEY_PREFIX}:dupefilter",
        "SCHEDULER_PERSIST": True,  # never flush what other crawlers are still working on
        "REDIS_URL": cfg.redis_url,
        "MONITOR_REDIS_ROUND_IDLE": ROUND_IDLE,
    }


class RoundDupeFilter(RFPDupeFilter):
    """scrapy-redis's shared filter; the key's expiry is kept by OutletScheduler."""


class OutletScheduler(Scheduler):
    """scrapy-redis's scheduler with one queue per outlet: every outlet spider is named
    "outlet", and a request must be popped by a spider of its own outlet."""

    def __init__(self, server, *args: Any, round_idle: float = ROUND_IDLE, **kwargs: Any):  # type: ignore[no-untyped-def]
        super().__init__(server, *args, **kwargs)
        self.round_idle = round_idle
        self._touched = 0.0

    @classmethod
    def from_settings(cls, settings):  # type: ignore[no-untyped-def]
        instance = super().from_settings(settings)
        instance.round_idle = settings.getfloat("MONITOR_REDIS_ROUND_IDLE", ROUND_IDLE)
        return instance

    def open(self, spider):  # type: ignore[no-untyped-def]
        self.queue_key = f"{KEY_PREFIX}:{spider.outlet_key}:requests"
        super().open(spider)
        self._touch(force=True)

    def enqueue_request(self, request):  # type: ignore[no-untyped-def]
        added = super().enqueue_request(request)
        self._touch()
        return added

    def next_request(self):  # type: ignore[no-untyped-def]
        request = super().next_request()
        if request is not None:
            self._touch()
        return request

    def _touch(self, force: bool = False) -> None:
        """This round is alive: push the shared filter's expiry ROUND_IDLE ahead. Until the
        filter's key exists (no request seen yet) expiring it does nothing, so the next
        push or pop tries again instead of waiting _TOUCH_EVERY: a short round must not
        leave a filter that never expires."""
        now = time.monotonic()
        if (force or now - self._touched >= _TOUCH_EVERY) and \
                self.server.expire(self.df.key, int(self.round_idle)):
            self._touched = now


class RoundKeeper:
    """Keeps an idle crawler open while another crawler of the same outlet still works: the
    other may yet push requests (links from a page it is parsing) to the shared queue. A
    busy crawler writes a heartbeat to Redis every HEARTBEAT seconds; an idle one closes
    when no other heartbeat is fresher than STALE seconds, so a killed crawler holds no one.
    Enabled in settings.py; off (NotConfigured) without MONITOR_REDIS_URL."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.member = uuid.uuid4().hex
        self.loop: task.LoopingCall | None = None
        crawler.signals.connect(self.opened, signal=signals.spider_opened)
        crawler.signals.connect(self.idle, signal=signals.spider_idle)
        crawler.signals.connect(self.closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RoundKeeper:
        if not crawler.settings.get("REDIS_URL"):
            raise NotConfigured  # no message: Scrapy logs a message as a warning; off is normal
        return cls(crawler)

    def opened(self, spider) -> None:  # type: ignore[no-untyped-def]
        self.server = get_redis_from_settings(self.crawler.settings)
        self.key = f"{KEY_PREFIX}:{spider.outlet_key}:workers"
        self.loop = task.LoopingCall(self.beat)
        self.loop.start(HEARTBEAT, now=True)

    def _busy(self) -> bool:
        engine = self.crawler.engine
        try:
            return engine is not None and not engine.spider_is_idle()
        except RuntimeError:  # the engine is closing
            return False

    def beat(self) -> None:
        if self._busy():
            self.server.zadd(self.key, {self.member: time.time()})
            self.server.expire(self.key, int(ROUND_IDLE))

    def idle(self, spider) -> None:  # type: ignore[no-untyped-def]
        fresh = self.server.zrangebyscore(self.key, time.time() - STALE, "+inf")
        if any(m.decode() != self.member for m in fresh):
            raise DontCloseSpider

    def closed(self, spider) -> None:  # type: ignore[no-untyped-def]
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        self.server.zrem(self.key, self.member)
