"""The crawl's WARC file: every response as it came, so `kb reparse` needs no network.

One gzip member per record, flushed as written: a killed crawl leaves a file whose records up
to the kill all read back. Bodies are stored decoded (httpx undid any gzip), so the headers
written say so: no Content-Encoding, the decoded Content-Length.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from pathlib import Path

from kb.fetch import Response

_HOP = {"content-encoding", "content-length", "transfer-encoding", "connection", "keep-alive"}


class Archive:
    """Append-only WARC writer (warcio), shared by the fetching threads."""

    def __init__(self, path: Path) -> None:
        from warcio.warcwriter import WARCWriter

        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(path, "ab")  # noqa: SIM115 - closed in close()
        self._writer = WARCWriter(self._file, gzip=True)
        self._lock = threading.Lock()

    def write(self, r: Response) -> None:
        """One response record: status line, headers, body, the time it was fetched."""
        from warcio.statusandheaders import StatusAndHeaders

        headers = [(k, v) for k, v in r.headers if k.lower() not in _HOP]
        headers.append(("Content-Length", str(len(r.body))))
        http = StatusAndHeaders(f"{r.status} {r.reason}".strip(), headers,
                                protocol=r.http_version or "HTTP/1.1")
        record = self._writer.create_warc_record(
            r.url, "response", payload=io.BytesIO(r.body), http_headers=http,
            warc_headers_dict={"WARC-Date": r.fetched_at})
        with self._lock:
            self._writer.write_record(record)
            self._file.flush()

    def close(self) -> None:
        self._file.close()


def responses(path: Path) -> Iterator[tuple[str, int, str, bytes]]:
    """(URL, status, content type, body) of every response record in a WARC, in order; a
    file cut short by a kill gives the records before the cut."""
    from warcio.archiveiterator import ArchiveIterator

    with open(path, "rb") as f:
        try:
            for record in ArchiveIterator(f):
                if record.rec_type != "response" or record.http_headers is None:
                    continue
                status = int(record.http_headers.get_statuscode() or 0)
                ctype = record.http_headers.get_header("Content-Type") or ""
                url = str(record.rec_headers.get_header("WARC-Target-URI") or "")
                yield url, status, ctype, record.content_stream().read()
        except Exception:  # noqa: BLE001 - a torn last record ends the file, as in scraper.warc
            return
