"""Which format is this input? Decided by content, never by file extension alone."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from scraper.models import ParseError, Thread

# Most specific first: a Discourse crawler page also looks like generic HTML, a kb-jsonl line
# like any JSON. Each module's `sniff` names the format it recognises.
MODULES = (
    "scraper.jsonl",
    "scraper.stackexchange",
    "scraper.discourse",
    "scraper.vbulletin_html",
    "scraper.xenforo",
    "scraper.phpbb",
    "scraper.nodebb",
    "scraper.vbulletin_text",
)

Parser = Callable[[bytes, str, "str | None"], list[Thread]]
_FORMATS: dict[str, str] = {}  # format name -> module, filled as modules are asked


_LOADED: list[object] = []


def _modules() -> list[object]:
    if _LOADED:
        return _LOADED
    found: list[object] = []
    for name in MODULES:
        try:
            found.append(importlib.import_module(name))
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
    _LOADED.extend(found)
    return found


def detect(data: bytes, name: str = "") -> str:
    """The format name of `data`, or ParseError saying why nothing recognised it."""
    if not data.strip():
        raise ParseError("empty file")
    if b"\x00" in data[:8192] and data[:2] not in (b"\xff\xfe", b"\xfe\xff"):
        raise ParseError("binary file, not a thread dump")
    head = data[:65536].decode("utf-8", errors="replace")
    if head.startswith("\ufeff"):
        head = head[1:]
    for module in _modules():
        fmt = module.sniff(head, name)  # type: ignore[attr-defined]
        if fmt:
            _FORMATS[fmt] = module.__name__  # type: ignore[attr-defined]
            return fmt
    raise ParseError("not a recognised forum thread format (see `kb ingest --help` for formats)")


def formats() -> list[str]:
    """Every format name some module parses, for `--format` choices."""
    names: list[str | None] = []
    for module in _modules():
        names.extend(getattr(module, "FORMATS", [getattr(module, "FORMAT", None)]))
    return [n for n in names if n]


def parser_for(fmt: str) -> Parser:
    """The `parse` function of the module that reads `fmt`."""
    if fmt not in _FORMATS:
        for module in _modules():
            if fmt in getattr(module, "FORMATS", [getattr(module, "FORMAT", None)]):
                _FORMATS[fmt] = module.__name__  # type: ignore[attr-defined]
    if fmt not in _FORMATS:
        raise ParseError(f"unknown format {fmt!r}; choose one of: {', '.join(formats())}")
    return importlib.import_module(_FORMATS[fmt]).parse  # type: ignore[no-any-return]
