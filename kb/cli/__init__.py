"""The `kb` command: parses arguments and prints; the work lives in kb.* functions.

`main` is the click group (the `kb` console script); each command group lives in its own module
(`ingest`, `crawl`, `read`, `search`, `serve`) and shares `kb.cli.common`. Heavy libraries (scikit-learn,
Whoosh, BeautifulSoup, Flask) are imported inside commands so that `kb --help` starts fast.
"""

from __future__ import annotations

from pathlib import Path

import click

from kb.cli import crawl, ingest, read, search, serve
from kb.cli.common import Ctx
from kb.config import default_data_dir


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where the store and index live (default: $KB_DATA_DIR or the user data dir).")
@click.version_option(package_name="kb", message="kb %(version)s")
@click.pass_context
def main(ctx: click.Context, data_dir: Path | None) -> None:
    """kb: ask your forum threads questions; every answer cites the posts it came from."""
    obj = ctx.obj = Ctx(data_dir or default_data_dir())
    ctx.call_on_close(obj.close)


for command in (ingest.ingest, crawl.crawl, crawl.reparse, read.export, read.threads, read.show, read.stats,
                search.search, search.ask, search.reindex, serve.serve):
    main.add_command(command)
