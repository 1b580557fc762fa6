"""Scrapy settings for the monitor (scrapy.cfg points here). Politeness is set here, not in
code: robots.txt obeyed, AutoThrottle, at most MONITOR_CONCURRENT_PER_DOMAIN (default 2)
requests per domain, an identifying User-Agent with a contact, retries with backoff and
Retry-After honoured. Values come from the environment through monitor.config.Settings."""

from monitor.config import Settings
from monitor.transport import download_handlers

_cfg = Settings.from_env()

BOT_NAME = "kz_china_monitor"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

# --- politeness
USER_AGENT = _cfg.user_agent
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
# Items go through synchronous pipelines one at a time; Scrapy starts this many asyncio
# tasks per response whatever it yields (100 by default: a tenth of the replay's CPU; 4
# still cost a few per cent more than 1).
CONCURRENT_ITEMS = 1
CONCURRENT_REQUESTS_PER_DOMAIN = _cfg.concurrent_per_domain
DOWNLOAD_DELAY = _cfg.download_delay
DOWNLOAD_DELAY_JITTER = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = _cfg.download_delay
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False

# --- faults
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
MONITOR_RETRY_BACKOFF_BASE = _cfg.retry_backoff_base
MONITOR_RETRY_BACKOFF_MAX = _cfg.retry_backoff_max
MONITOR_RETRY_AFTER_MAX = _cfg.retry_after_max
MONITOR_DB_RETRY_SECONDS = _cfg.db_retry_seconds
# Articles stored per transaction, and the longest one waits for its batch (StorePipeline).
MONITOR_STORE_BATCH = 50
MONITOR_STORE_BATCH_SECONDS = 1.0
DOWNLOAD_TIMEOUT = _cfg.download_timeout
DOWNLOAD_MAXSIZE = _cfg.max_page_bytes
DOWNLOAD_WARNSIZE = _cfg.max_page_bytes // 2
REDIRECT_MAX_TIMES = 5
DNS_TIMEOUT = 20

# --- components, in data-flow order
# Request fingerprints on disk, not in memory (monitor/seen.py); scrapy-redis's filter in
# distributed mode (monitor/distributed.py).
DUPEFILTER_CLASS = "monitor.seen.DiskDupeFilter"
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "monitor.middlewares.BackoffRetryMiddleware": 550,
    "monitor.middlewares.RedirectGuardMiddleware": 650,
    "monitor.middlewares.HealthCountersMiddleware": 880,
    "monitor.middlewares.WarcArchiveMiddleware": 950,
}
ITEM_PIPELINES = {
    "monitor.pipelines.ProcessPipeline": 300,
    "monitor.pipelines.StorePipeline": 800,
}
EXTENSIONS = {
    "monitor.extensions.CrawlRunRecorder": 500,
    "monitor.distributed.RoundKeeper": 510,  # distributed mode only
}

# --- the monitor's own
MONITOR_DATABASE_URL = _cfg.database_url
MONITOR_WARC_DIR = str(_cfg.warc_dir)
MONITOR_ARCHIVE = _cfg.archive
MONITOR_REPLAY = [str(p) for p in _cfg.replay]
MONITOR_ORIGIN_OVERRIDE = _cfg.origin_override
DOWNLOAD_HANDLERS = download_handlers(MONITOR_REPLAY, MONITOR_ORIGIN_OVERRIDE)

LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
