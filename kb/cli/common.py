"""What every `kb` command shares: the per-invocation `Ctx`, `--json`, JSON output, failing.

Kept free of heavy imports (the store, the rankers): `kb --help` imports this module.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NoReturn, TypeVar

import click

if TYPE_CHECKING:
    from kb.ingest import Summary
    from kb.knowledge import KB

F = TypeVar("F", bound=Callable[..., Any])


class Failure(click.ClickException):
    """A command that cannot go on: one line on stderr (`kb: ...`), no traceback, exit `code`."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = code  # type: ignore[misc]  # click declares it per class; we vary it

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"kb: {self.format_message()}", file=file, err=file is None)


def fail(message: str, code: int = 1) -> NoReturn:
    """Stop the command: exit 1 when it could not be done, 2 when it was asked wrongly."""
    raise Failure(message, code)


def json_option(command: F) -> F:
    """`--json` (passed as `as_json`): print the result as JSON instead of for people."""
    return click.option("--json", "as_json", is_flag=True,
                        help="Print the result as JSON.")(command)


def emit_json(obj: Any) -> None:
    """`obj` as indented JSON on stdout, non-ASCII kept as it is."""
    click.echo(json.dumps(obj, ensure_ascii=False, indent=2))


class Ctx:
    """Per-invocation state: where the data lives, the knowledge base opened on first use."""

    def __init__(self, data_dir: Path, db: str | None = None) -> None:
        self.data_dir = data_dir
        self.db = db  # a PostgreSQL URL (--db, $KB_DATABASE_URL); None: SQLite in the data dir
        self._kb: KB | None = None

    def kb(self, seed: bool = True) -> KB:
        """The knowledge base; with `seed`, an empty store first gets the bundled corpus (said
        on stderr). Rankers as they stand: see `fresh_kb`."""
        if self._kb is None:
            from kb.open import open_kb
            from kb.store import StoreError

            try:
                self._kb = open_kb(self.data_dir, seed=seed, on_seed=self._said_seeded,
                                   db=self.db)
            except StoreError as exc:
                fail(str(exc))
        return self._kb

    def fresh_kb(self) -> KB:
        """The knowledge base with its rankers brought up to the store (once per command)."""
        kb = self.kb()
        if kb.needs_sync():
            with progress(kb, "indexing") as update:
                kb.sync(update)
        return kb

    def _said_seeded(self, summary: Summary) -> None:
        where = self.kb().store.url if self.db else self.data_dir
        click.echo(f"kb: the store in {where} was empty; ingested the bundled "
                   f"example corpus ({len(summary.threads)} thread(s), "
                   f"{summary.added} posts)", err=True)

    def close(self) -> None:
        if self._kb is not None:
            self._kb.close()
            self._kb = None


@contextmanager
def progress(kb: KB, label: str) -> Iterator[Callable[[int], None] | None]:
    """A progress bar over the store's posts on a terminal's stderr; None elsewhere."""
    if not sys.stderr.isatty():
        yield None
        return
    total = kb.store.stats()["posts"]
    with click.progressbar(length=total, label=label, file=sys.stderr) as bar:
        yield bar.update
