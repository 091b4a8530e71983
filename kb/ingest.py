"""`kb ingest`: files, folders, archives and stdin into the store, each file's posts and its
source record committed together (files commit in batches: see `Store.batch`).

A file that cannot be read is reported (file, reason) and skipped; the rest goes in. Bytes seen
before change nothing; a changed file replaces only what it contributed.
"""

from __future__ import annotations

import json
import os
import sys
import tarfile
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from kb.identity import own_id
from kb.parsing import Parsed, parse_file, parsed_in_order
from kb.pieces import expected, pieces
from kb.store import Store, digest
from scraper.compressed import MAX_BYTES as MAX_UNPACKED
from scraper.merge import merge
from scraper.models import ParseError

# Larger inputs are almost surely not one thread dump; what a compressed file holds is held to
# the same limit where it is unpacked (scraper.compressed).
MAX_BYTES = MAX_UNPACKED
BATCH_FILES, BATCH_SECONDS = 64, 0.5  # commit after this many files or this long, which first


@dataclass
class Source:
    """One input file's bytes. `explicit` when the user named it (not found in a folder walk)."""

    path: str
    data: bytes | None
    explicit: bool
    error: str | None = None
    # The file a piece of a dump or an archive's member came from, read whole this time unless
    # a source of it has an error: what the store holds under it that this read did not give
    # is gone from the file (a shrunken dump's last pieces, a member taken out of the zip).
    within: str | None = None


@dataclass
class Summary:
    """What an ingest did; `skipped` and `ignored` hold (file, reason)."""

    files: int = 0
    files_unchanged: int = 0
    threads: set[str] = field(default_factory=set)
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    ignored: list[tuple[str, str]] = field(default_factory=list)
    changed_threads: set[str] = field(default_factory=set)

    def to_dict(self) -> dict[str, object]:
        return {
            "files": self.files, "files_unchanged": self.files_unchanged,
            "threads": len(self.threads),
            "posts": {"added": self.added, "updated": self.updated,
                      "unchanged": self.unchanged, "removed": self.removed},
            "skipped": [{"file": f, "reason": r} for f, r in self.skipped],
            "ignored": [{"file": f, "reason": r} for f, r in self.ignored],
        }


def ingest(sources: Iterator[Source], store: Store, format: str | None = None,
           on_file: Callable[[Source], None] | None = None, workers: int = 0,
           reparse: bool = False) -> Summary:
    """Put every source into the store; never raises for a bad file. With `workers`, files are
    parsed in that many processes while earlier ones are stored (kb/parsing.py). With
    `reparse`, bytes seen before are parsed again (a parser improved) and replace what they
    contributed."""
    summary = Summary()
    read: dict[str, set[str]] = {}  # file read in pieces or as an archive -> the names it gave
    failed: set[str] = set()
    with store.batch() as commit:
        pending, since = 0, time.monotonic()
        checked = _checked(sources, store, reparse)
        for (source, sha, state), parsed in parsed_in_order(checked, format, workers):
            _settle(source, sha, state, parsed, store, format, summary, reparse)
            if source.within is not None:
                read.setdefault(source.within, set()).add(source.path)
                if source.error:
                    failed.add(source.within)
            pending += 1
            if pending >= BATCH_FILES or time.monotonic() - since >= BATCH_SECONDS:
                commit()  # before `on_file`: what it reports is in the store
                pending, since = 0, time.monotonic()
            if on_file:
                on_file(source)
        _forget_gone({f: names for f, names in read.items() if f not in failed}, store, summary)
    return summary


def _forget_gone(read: dict[str, set[str]], store: Store, summary: Summary) -> None:
    """Forget what the store holds under each file read whole this time that the read did not
    give: the pieces past a shrunken dump's end, the file's own name once it is read in
    pieces (and its pieces once it is read whole), an archive's members taken out of it."""
    if not read:
        return
    held = [p for p in store.nested_sources() if p.split("!", 1)[0] in read]
    held += [f for f, names in read.items() if f not in names and store.has_source(f)]
    for path in held:
        if path not in read[path.split("!", 1)[0]]:
            with store.transaction():
                _rewrite(set(store.drop_source_parts(path)), store, summary)
                store.drop_source(path)


def _checked(sources: Iterator[Source], store: Store, reparse: bool
             ) -> Iterator[tuple[tuple[Source, str, str], bytes | None, str]]:
    """Each source with its hash and state in the store, and its bytes if they need parsing."""
    for source in sources:
        if source.error or source.data is None:
            yield (source, "", "unreadable"), None, source.path
            continue
        sha = digest(source.data)
        state = _state(store, source.path, sha, reparse)
        yield (source, sha, state), None if state == "unchanged" else source.data, source.path


def _state(store: Store, path: str, sha: str, reparse: bool) -> str:
    """"new", "changed" or "unchanged"; with `reparse` nothing is unchanged."""
    state = store.source_state(path, sha)
    if reparse and state == "unchanged":
        state = "changed" if store.has_source(path) else "new"
    return state


def _settle(source: Source, sha: str, state: str, parsed: Parsed | None, store: Store,
            format: str | None, summary: Summary, reparse: bool = False) -> None:
    if state == "unreadable":
        summary.skipped.append((source.path, source.error or "unreadable"))
        return
    # Asked again now: the state was read a few files ahead, before the files between were
    # stored (one path twice in a batch, an archive's member replaced by a later one).
    state = _state(store, source.path, sha, reparse)
    if state == "unchanged":
        summary.files += 1
        summary.files_unchanged += 1
        summary.unchanged += (store.seen(sha) or (0, 0))[1]
        return
    if parsed is None and source.data is not None:
        parsed = parse_file(source.data, source.path, format)
    if parsed is None:
        return
    if parsed.error is not None or parsed.fmt is None:
        error = parsed.error or "no posts found"
        if parsed.not_thread and not source.explicit and not format:
            summary.ignored.append((source.path, error))
        else:
            summary.skipped.append((source.path, error))
        return
    try:
        _store(source, sha, state, parsed, store, summary)
    except (ValueError, TypeError, OverflowError) as exc:
        # data the store refuses: this file alone is undone
        summary.skipped.append((source.path, f"cannot store it: {exc}"[:300]))


def _store(source: Source, sha: str, state: str, parsed: Parsed, store: Store,
           summary: Summary) -> None:
    threads = parsed.threads
    with store.transaction():
        # Asked again under the write lock, whatever `state` said: another writer (a second
        # `kb ingest`, another node) may have stored other bytes under this path since.
        stale = set(store.drop_source_parts(source.path))
        keys = [store.thread_key(t.forum, own_id(t.own_id, t.forum)) for t in threads]
        for key, thread in zip(keys, threads):
            store.put_part(key, source.path, _keyed(thread.part, key, thread.own_id))
        for key, thread in zip(keys, threads):
            stale.discard(key)
            if store.part_count(key) > 1:  # the thread's other files have their say
                _count(store.write_thread(merge(store.parts(key))), key, summary)
            else:
                thread.rows.head.thread_id = key
                _count(store.write_thread(thread.rows), key, summary)
        _rewrite(stale, store, summary)
        store.put_source(source.path, sha, str(parsed.fmt), len(threads),
                         sum(t.posts for t in threads))
    summary.files += 1


def _rewrite(stale: set[str], store: Store, summary: Summary) -> None:
    """The threads a file no longer gives: merged anew from the files that still do, or gone."""
    for tid in stale:
        parts = store.parts(tid)
        if parts:
            _count(store.write_thread(merge(parts)), tid, summary)
        else:  # no file holds the thread any more (the file now names another one)
            removed = store.post_counts([tid]).get(tid, 0)
            store.drop_thread(tid)
            _count({"added": 0, "updated": 0, "unchanged": 0, "removed": removed}, tid,
                   summary)


def _keyed(data: str, key: str, own: str) -> str:
    """The part as the store keeps it: under the store's key (the parser's id, but for a thread
    whose id another forum's thread has too)."""
    if key == own:
        return data
    thread = json.loads(data)
    thread["thread_id"] = key
    return json.dumps(thread)


def _count(counts: dict[str, int], tid: str, summary: Summary) -> None:
    summary.threads.add(tid)
    summary.added += counts["added"]
    summary.updated += counts["updated"]
    summary.unchanged += counts["unchanged"]
    summary.removed += counts["removed"]
    if counts["added"] or counts["updated"] or counts["removed"]:
        summary.changed_threads.add(tid)


# -- reading inputs ----------------------------------------------------------------------------

_ARCHIVES = (".zip", ".tar.gz", ".tgz", ".tar", ".tar.bz2", ".tar.xz")


def expand(paths: list[str]) -> list[str]:
    """Files named or found under folders (recursive, sorted, hidden ones left out)."""
    found: list[str] = []
    for p in paths:
        if p == "-" or not os.path.isdir(p):
            found.append(p)
            continue
        for root, dirs, files in os.walk(p):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            found.extend(os.path.join(root, f) for f in sorted(files) if not f.startswith("."))
    return found


def read_sources(paths: list[str], explicit: set[str] | None = None) -> Iterator[Source]:
    """Every input file's bytes: plain files, archive members, stdin."""
    explicit = explicit if explicit is not None else set(paths)
    for path in paths:
        named = path in explicit
        if path == "-":
            data = sys.stdin.buffer.read()
            yield Source(f"stdin:{digest(data)[:12]}", data, True)
        elif path.lower().endswith(_ARCHIVES):
            yield from _archive(path, named)
        else:
            yield from _read(path, named)


def _read(path: str, named: bool) -> Iterator[Source]:
    try:
        with open(path, "rb") as fh:  # not pathlib: Path objects were 4% of a profiled ingest
            size = os.fstat(fh.fileno()).st_size
            cut = pieces(path, fh, size)
            if cut is not None:  # a dump of one record a line, of any size
                yield from _pieces(path, named, cut)
            elif size > MAX_BYTES:
                yield Source(path, None, named, f"file too large ({size >> 20} MB); split it first",
                             within=path)
            else:
                yield Source(path, fh.read(), named, within=path)
    except OSError as exc:
        yield Source(path, None, named, f"cannot read: {exc.strerror or exc}", within=path)


def _pieces(path: str, named: bool, cut: Iterator[tuple[str, bytes]]) -> Iterator[Source]:
    try:
        for name, data in cut:
            yield Source(name, data, named, within=path)
    except ParseError as exc:  # a stream damaged after its first pieces: those go in
        yield Source(path, None, named, str(exc), within=path)


def _archive(path: str, named: bool) -> Iterator[Source]:
    try:
        if path.lower().endswith(".zip"):
            with zipfile.ZipFile(path) as zf:
                for info in sorted(zf.infolist(), key=lambda i: i.filename):
                    if not info.is_dir() and not _hidden(info.filename):
                        yield Source(f"{path}!{info.filename}", zf.read(info), False, within=path)
            return
        with tarfile.open(path) as tf:
            for member in tf:
                if member.isfile() and not _hidden(member.name):
                    handle = tf.extractfile(member)
                    data = handle.read() if handle else b""
                    yield Source(f"{path}!{member.name}", data, False, within=path)
    except (OSError, zipfile.BadZipFile, tarfile.TarError, EOFError) as exc:
        yield Source(path, None, named, f"cannot read archive: {exc}", within=path)


def _hidden(name: str) -> bool:
    return any(part.startswith(".") or part == "__MACOSX" for part in name.split("/"))


def count_files(paths: list[str]) -> int:
    """How many inputs a progress bar should expect (archives count their members)."""
    total = 0
    for p in paths:
        if p.lower().endswith(".zip") and os.path.isfile(p):
            try:
                with zipfile.ZipFile(p) as zf:
                    total += sum(1 for i in zf.infolist() if not i.is_dir())
                continue
            except (OSError, zipfile.BadZipFile):
                pass
        if p.lower().endswith(_ARCHIVES[1:]) and os.path.isfile(p):
            try:
                with tarfile.open(p) as tf:
                    total += sum(1 for m in tf if m.isfile())
                continue
            except (OSError, tarfile.TarError, EOFError):
                pass
        total += expected(p)  # a big dump of one record a line: its pieces
    return total


def corpus_sources() -> Iterator[Source]:
    """The bundled example corpus as sources."""
    from kb.config import corpus_files

    for name, data in corpus_files():
        yield Source(name, data, True)


def from_bytes(name: str, data: bytes) -> Iterator[Source]:
    """A single in-memory input (tests, the web app)."""
    yield Source(name, data, True)

