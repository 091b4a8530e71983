"""`kb migrate`: a thin shell over `kb.migrate.migrate`."""

from __future__ import annotations

import click

from kb.cli.common import emit_json, fail, json_option


@click.command()
@click.option("--from", "source", required=True, metavar="STORE",
              help="The store to copy: sqlite:PATH (e.g. sqlite:~/.local/share/kb/kb.sqlite3) "
                   "or a postgresql:// URL.")
@click.option("--to", "target", required=True, metavar="STORE",
              help="An empty store to copy into: a postgresql:// URL or sqlite:PATH.")
@json_option
def migrate(source: str, target: str, as_json: bool) -> None:
    """Copy a store into another (SQLite into PostgreSQL, or back), checked by row counts and
    content hashes before it commits. Post ids and change numbers are kept, so a data dir's
    index follows the copy as it followed the original."""
    import os

    from kb.migrate import migrate as copy
    from kb.store import StoreError, open_store

    if source.startswith("sqlite:"):
        path = os.path.expanduser(source[len("sqlite:"):])
        if not os.path.isfile(path):
            fail(f"--from {source}: no such file; name an existing SQLite store", 2)
        source = f"sqlite:{path}"
    try:
        src = open_store(source)
        dst = open_store(target)
        tables = copy(src, dst)
    except StoreError as exc:
        fail(str(exc))
    if as_json:
        emit_json({"from": src.url, "to": dst.url,
                   "tables": {t: {"rows": f.rows, "hash": f.hash} for t, f in tables.items()}})
        return
    for table, f in tables.items():
        click.echo(f"{table:12} {f.rows:>9} rows  {f.hash}")
    click.echo(f"copied {src.url} to {dst.url}: counts and content hashes match")
