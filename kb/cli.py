"""The `kb` command: parses arguments and prints; the work lives in kb.* functions.

Heavy libraries (scikit-learn, Whoosh, BeautifulSoup) are imported inside commands so that
`kb --help` starts fast.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from kb.config import STORE_FILE, default_data_dir


class Ctx:
    """Per-invocation state: where the data lives, the store opened on first use."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._store: Any = None

    def store(self, fill: bool = True) -> Any:
        """The store; an empty one first gets the bundled corpus (said on stderr)."""
        from kb.store import Store, StoreError

        if self._store is None:
            try:
                self._store = Store(self.data_dir / STORE_FILE)
            except StoreError as exc:
                fail(str(exc))
        store: Any = self._store
        if fill and store.is_empty():
            from kb.ingest import corpus_sources, ingest

            summary = ingest(corpus_sources(), store)
            click.echo(f"kb: the store in {self.data_dir} was empty; ingested the bundled "
                       f"example corpus ({len(summary.threads)} thread(s), "
                       f"{summary.added} posts)", err=True)
        return self._store


def fail(message: str, code: int = 1) -> None:
    """One line on stderr, no traceback."""
    click.echo(f"kb: {message}", err=True)
    sys.exit(code)


def emit_json(obj: Any) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False, indent=2))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where the store and index live (default: $KB_DATA_DIR or the user data dir).")
@click.version_option(package_name="kb", message="kb %(version)s")
@click.pass_context
def main(ctx: click.Context, data_dir: Path | None) -> None:
    """kb: ask your forum threads questions; every answer cites the posts it came from."""
    ctx.obj = Ctx(data_dir or default_data_dir())


def _register() -> None:
    from kb import cli_ingest, cli_read, cli_search, cli_serve  # noqa: F401  (commands attach to `main`)


_register()
