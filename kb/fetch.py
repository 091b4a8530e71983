"""Polite HTTP for `kb crawl`: robots.txt, one request at a time per host, spacing, back-off.

`Fetcher.get` returns the final answer for a URL after bounded retries: transient failures
(connection errors, timeouts, 5xx) are retried with growing waits; 429 and 503 wait what
`Retry-After` asks (within `MAX_RETRY_AFTER`). Every response, retried ones too, goes to
`on_response` (the crawl writes it to the WARC). A body that has not arrived within the timeout,
in total, is cut: a server that trickles bytes forever cannot hold the crawl.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from importlib.metadata import PackageNotFoundError, version
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

MAX_BYTES = 32 * 1024 * 1024  # no forum page is larger; a bigger body is cut and reported
MAX_RETRY_AFTER = 300.0  # seconds: a server asking for longer is given up on for this run
TRANSIENT = {500, 502, 503, 504, 429}
AGENT = "kb"  # the token robots.txt rules name


def user_agent() -> str:
    try:
        v = version("kb")
    except PackageNotFoundError:
        v = "dev"
    return f"kb/{v} (forum knowledge base crawler; polite, honours robots.txt)"


@dataclass
class Response:
    """One HTTP answer, or `error` when none came (the reason, for the summary)."""

    url: str
    status: int | None = None
    reason: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    fetched_at: str = ""
    http_version: str = "HTTP/1.1"
    error: str | None = None

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), None)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Fetcher:
    """An httpx client with manners; safe to call from several threads (one per host)."""

    def __init__(self, delay: float = 1.0, timeout: float = 30.0, retries: int = 3,
                 on_response: Callable[[Response], None] | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        import httpx

        self.delay, self.timeout, self.retries = delay, timeout, retries
        self.on_response = on_response
        self.sleep = sleep
        self.client = httpx.Client(headers={"User-Agent": user_agent()}, follow_redirects=False,
                                   timeout=httpx.Timeout(timeout))
        self._robots: dict[str, RobotFileParser | None] = {}
        self._why: dict[str, str] = {}
        self._next: dict[str, float] = {}
        self._host_delay: dict[str, float] = {}  # robots.txt's Crawl-delay, where longer
        self._host_locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        self.client.close()

    # -- robots.txt ---------------------------------------------------------------------------

    def refusal(self, url: str) -> str | None:
        """Why kb may not fetch `url`, or None when it may. robots.txt is read once per host;
        one that cannot be read for a server error forbids the host for this run (RFC 9309),
        a missing one allows all."""
        origin = _origin(url)
        with self._lock:
            known = origin in self._robots
        if not known:
            rules, why = self._read_robots(origin)
            with self._lock:
                self._robots[origin] = rules
                self._why[origin] = why
        rules = self._robots[origin]
        if rules is None:
            return self._why[origin]
        return None if rules.can_fetch(AGENT, url) else "robots.txt disallows it"

    def _read_robots(self, origin: str) -> tuple[RobotFileParser | None, str]:
        rules = RobotFileParser(origin + "/robots.txt")
        r = self.get(origin + "/robots.txt")
        if r.status is not None and 200 <= r.status < 300:
            rules.parse(r.body.decode("utf-8", "replace").splitlines())
        elif r.status is not None and 400 <= r.status < 500:
            rules.parse([])  # no robots.txt: everything is allowed
        elif r.status is None:
            return None, f"cannot reach {urlsplit(origin).netloc}: {r.error}"
        else:
            return None, f"robots.txt answered HTTP {r.status}: the site is not crawled for now"
        wait = rules.crawl_delay(AGENT)
        rate = rules.request_rate(AGENT)
        floor = max(float(wait or 0), rate.seconds / rate.requests if rate else 0.0)
        if floor > self.delay:
            self._host_delay[_host(origin)] = floor
            self._push_back(origin, floor)  # robots.txt itself was asked for just now
        return rules, ""

    def delay_for(self, url: str) -> float:
        """Seconds between two requests to this URL's host: ours, or robots.txt's if longer."""
        return max(self.delay, self._host_delay.get(_host(url), 0.0))

    # -- requests ---------------------------------------------------------------------------

    def get(self, url: str, headers: dict[str, str] | None = None) -> Response:
        """The final response for `url` after bounded retries (never raises for the network)."""
        attempt = 0
        while True:
            r = self._once(url, headers or {})
            if self.on_response and r.status is not None:
                self.on_response(r)
            transient = r.error is not None or r.status in TRANSIENT
            if not transient or attempt >= self.retries:
                if r.status in TRANSIENT and r.error is None:
                    r.error = f"HTTP {r.status} after {attempt + 1} attempt(s)"
                elif r.error and attempt:
                    r.error = f"{r.error} (after {attempt + 1} attempts)"
                return r
            wait = self._backoff(r, attempt)
            if wait is None:
                r.error = f"HTTP {r.status}: the server asked to wait {r.header('Retry-After')}"
                return r
            self._push_back(url, wait)
            attempt += 1

    def _backoff(self, r: Response, attempt: int) -> float | None:
        after = r.header("Retry-After") if r.status in (429, 503) else None
        if after:
            wait = _retry_after(after)
            if wait is not None:
                return wait if wait <= MAX_RETRY_AFTER else None
        return max(self.delay, 0.1) * 2 ** (attempt + 1)

    def _push_back(self, url: str, wait: float) -> None:
        host = _host(url)
        with self._lock:
            self._next[host] = max(self._next.get(host, 0.0), time.monotonic() + wait)

    def _once(self, url: str, headers: dict[str, str]) -> Response:
        host = _host(url)
        with self._lock:
            lock = self._host_locks.setdefault(host, threading.Lock())
        with lock:  # one request at a time per host
            with self._lock:
                wait = self._next.get(host, 0.0) - time.monotonic()
            if wait > 0:
                self.sleep(wait)
            try:
                return self._request(url, headers)
            finally:
                with self._lock:
                    self._next[host] = max(self._next.get(host, 0.0),
                                           time.monotonic() + self.delay_for(url))

    def _request(self, url: str, headers: dict[str, str]) -> Response:
        import httpx

        r = Response(url, fetched_at=_now())
        deadline = time.monotonic() + self.timeout
        try:
            with self.client.stream("GET", url, headers=headers) as resp:
                r.status, r.reason = resp.status_code, resp.reason_phrase
                r.http_version = resp.http_version
                r.headers = list(resp.headers.multi_items())
                chunks, size = [], 0
                for chunk in resp.iter_bytes():
                    chunks.append(chunk)
                    size += len(chunk)
                    if time.monotonic() > deadline:
                        raise httpx.ReadTimeout(f"no complete response within {self.timeout:g} s")
                    if size > MAX_BYTES:
                        raise httpx.ReadError(f"response larger than {MAX_BYTES >> 20} MB")
                r.body = b"".join(chunks)
        except httpx.TimeoutException as exc:
            return Response(url, fetched_at=r.fetched_at,
                            error=f"timed out: {exc or 'no answer'}"[:200])
        except (httpx.HTTPError, OSError) as exc:
            return Response(url, fetched_at=r.fetched_at,
                            error=f"{type(exc).__name__}: {exc}"[:200])
        return r


def _retry_after(value: str) -> float | None:
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _host(url: str) -> str:
    return urlsplit(url).netloc.lower()


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.lower()}"
