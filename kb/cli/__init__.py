"""The `kb` command: parses arguments and prints; the work lives in kb.* functions.

`main` is the click group (the `kb` console script); each command group lives in its own module
(`ingest`, `crawl`, `read`, `search`, `serve`) and shares `kb.cli.common`. Heavy libraries (scikit-learn,
scipy, BeautifulSoup, Flask, httpx, psycopg) are imported inside commands so that `kb --help` starts fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from kb.cli import crawl, ingest, migrate, read, search, serve
from kb.cli.common import Ctx, Failure
from kb.config import default_data_dir


class Group(click.Group):
    """`kb`'s group: a database that goes away under a running command is one line too."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as exc:
            # psycopg's errors, told apart without importing it (the CLI starts fast)
            if type(exc).__module__.startswith("psycopg") and type(exc).__name__ in (
                    "OperationalError", "InterfaceError"):
                reason = str(exc).strip().splitlines()[0] if str(exc).strip() else "closed"
                raise Failure(f"lost the database connection ({reason}); check that the "
                              "server is up and run the command again") from None
            raise


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where the store and index live (default: $KB_DATA_DIR or the user data dir).")
@click.option("--db", metavar="URL", envvar="KB_DATABASE_URL",
              help="Keep the posts in this PostgreSQL database (postgresql://user:password@host/"
                   "name; default: $KB_DATABASE_URL, else SQLite in the data dir, which then "
                   "holds only this node's index).")
@click.version_option(package_name="kb", message="kb %(version)s")
@click.pass_context
def main(ctx: click.Context, data_dir: Path | None, db: str | None) -> None:
    """kb: ask your forum threads questions; every answer cites the posts it came from."""
    obj = ctx.obj = Ctx(data_dir or default_data_dir(), db or None)
    ctx.call_on_close(obj.close)


for command in (ingest.ingest, crawl.crawl, crawl.reparse, read.export, read.threads, read.show,
                read.stats, search.search, search.ask, search.reindex, serve.serve, migrate.migrate):
    main.add_command(command)
