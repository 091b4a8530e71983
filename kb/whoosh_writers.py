"""Whoosh writers as kb's index uses them: subclasses, so nothing changes for other users of Whoosh
in the same process.

- Field lengths of a segment being written are read once per field instead of once per posting:
  Whoosh's writer looks a document's length up from disk for every term it holds (a quarter of
  indexing time in a profile of 10k real posts).
- The writer processes of a parallel build die with their parent: they inherit the index lock,
  and if `kb ingest` is killed (kill -9) they would live on, blocked on their job queue, holding
  the lock for ever.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.multiproc import MpWriter, SubWriterTask, finish_subsegment
from whoosh.util.numeric import byte_to_length
from whoosh.writing import SegmentWriter

from kb.growing import die_with_parent


class _Lengths:
    """A segment's per-document reader whose field lengths are loaded once per field."""

    def __init__(self, reader: Any) -> None:
        self.reader = reader
        self.cache: dict[str, list[int]] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int:
        lengths = self.cache.get(fieldname)
        if lengths is None:
            lengths = self.cache[fieldname] = self._load(fieldname, default)
        return lengths[docnum] if docnum < len(lengths) else default

    def _load(self, fieldname: str, default: int) -> list[int]:
        n = self.reader.doc_count_all()
        if not self.reader.has_column(_lenfield(fieldname)):
            return [default] * n
        column = self.reader.column_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        return [byte_to_length(column[d]) if column[d] else default for d in range(n)]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.reader, name)


class _CachedLengths:
    """`SegmentWriter._flush_segment` with the lengths read through `_Lengths`."""

    perdocwriter: Any  # these are SegmentWriter's
    codec: Any
    fieldwriter: Any
    schema: Any
    pool: Any
    per_document_reader: Callable[[], Any]

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        pdr = _Lengths(self.per_document_reader()) if self.codec.length_stats else None
        self.fieldwriter.add_postings(self.schema, pdr, self.pool.iter_postings())
        self.fieldwriter.close()
        if pdr:
            pdr.reader.close()


class OneWriter(_CachedLengths, SegmentWriter):  # type: ignore[misc]
    """A single-process writer (small, incremental batches: it starts faster)."""


class _SubWriter(SubWriterTask):  # type: ignore[misc]
    """`SubWriterTask.run` with a `OneWriter`, in a process that dies with its parent."""

    def run(self) -> None:
        die_with_parent()
        ix = self.storage.open_index(self.indexname)
        writer = self.writer = OneWriter(ix, _lk=False, **self.kwargs)
        while self.running:
            job = self.jobqueue.get()
            if job is None:
                break
            self._process_file(*job)
        if not self.running:
            writer.cancel()
            return
        if self.multisegment:
            result = (None, writer.pool.fieldnames, writer._finalize_segment())
        else:
            result = finish_subsegment(writer, self.kwargs.get("k", 64))
        self.resultqueue.put(result, timeout=5)


class ParallelWriter(_CachedLengths, MpWriter):  # type: ignore[misc]
    """Whoosh's multi-process writer, its sub-writers being `_SubWriter`s."""

    def _new_task(self) -> _SubWriter:
        task = _SubWriter(self.storage, self.indexname, self.jobqueue, self.resultqueue,
                          self.subargs, self.multisegment)
        self.tasks.append(task)
        task.start()
        return task


def writer(ix: Any, **options: Any) -> OneWriter | ParallelWriter:
    """What `ix.writer(**options)` returns, with kb's writer classes."""
    procs = int(options.pop("procs", 1))
    if procs > 1:
        return ParallelWriter(ix, procs=procs, **options)
    return OneWriter(ix, **options)
