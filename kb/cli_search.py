"""`kb search`, `kb ask`, `kb reindex`."""

from __future__ import annotations

import sys
from typing import Any

import click

from kb.cli import Ctx, emit_json, fail, main


def open_kb(obj: Ctx) -> Any:
    """The store (filled with the bundled corpus when empty) with its rankers up to date."""
    from kb.knowledge import KB

    kb = KB(obj.data_dir, store=obj.store())
    if kb.stale() and not kb.index.busy():  # while an ingest writes, answer from what is indexed
        sync(kb, "indexing")
    return kb


def sync(kb: Any, label: str, rebuild: bool = False) -> int:
    """Bring the rankers up to the store, with a progress bar on a terminal."""
    if not sys.stderr.isatty():
        return int(kb.reindex() if rebuild else kb.sync())
    total = kb.store.stats()["posts"]
    with click.progressbar(length=total, label=label, file=sys.stderr) as bar:
        return int(kb.reindex(bar.update) if rebuild else kb.sync(bar.update))


@main.command()
@click.argument("query", nargs=-1, required=True)
@click.option("-n", "--limit", default=10, show_default=True, help="How many hits.")
@click.option("--posts", "every_post", is_flag=True, help="Every matching post, not one per thread.")
@click.option("--json", "as_json", is_flag=True, help="JSON output.")
@click.pass_obj
def search(obj: Ctx, query: tuple[str, ...], limit: int, every_post: bool, as_json: bool) -> None:
    """Ranked posts for QUERY. Syntax: "exact phrase", author:NAME or @NAME, thread:ID,
    in:title, before:YYYY-MM-DD, after:YYYY-MM-DD, -word."""
    from kb.query import QueryError
    from kb.search import search as run

    text = " ".join(query)
    try:
        result = run(open_kb(obj), text, limit=limit, per_thread=not every_post)
    except QueryError as exc:
        fail(str(exc), 2)
    if as_json:
        emit_json(result.to_dict())
        return
    if result.corrected:
        fixes = ", ".join(f"{a} → {b}" for a, b in result.corrected.items())
        click.echo(f"(also searched for: {fixes})", err=True)
    if not result.hits:
        click.echo("No posts match.")
        return
    for i, hit in enumerate(result.hits, 1):
        who = hit.author or "author unknown"
        click.secho(f"{i}. {hit.thread_title}", bold=True)
        click.echo(f"   {hit.thread_id}#{hit.post_number} · {who}"
                   + (f" · {hit.posted_at[:10]}" if hit.posted_at else ""))
        click.echo("   " + _bold(hit.snippet))
    click.echo(f"\n{result.total} {'posts' if every_post else 'threads'} matched", err=True)


def _bold(snippet: str) -> str:
    parts = snippet.split("**")
    return "".join(click.style(p, bold=True) if i % 2 else p for i, p in enumerate(parts))


@main.command()
@click.argument("question", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="JSON output.")
@click.pass_obj
def ask(obj: Ctx, question: tuple[str, ...], as_json: bool) -> None:
    """Answer QUESTION from the members' own words, citing the posts."""
    from kb.answer import ask as run
    from kb.query import QueryError

    text = " ".join(question)
    try:
        answer = run(open_kb(obj), text)
    except QueryError as exc:
        fail(str(exc), 2)
    if as_json:
        emit_json(answer.to_dict())
        return
    if answer.note:
        click.echo(answer.note)
        return
    heads = {"yes": "Members who say yes:", "no": "Members who say no:", None: "Also said:"}
    grouped = any(s.stance for s in answer.sentences)
    last: object = object()
    for s in answer.sentences:
        if grouped and s.stance != last:
            click.secho(heads[s.stance], bold=True)
            last = s.stance
        marks = "".join(f"[{k}]" for k in s.cites)
        click.echo(("  " if grouped else "") + f"{s.text} {marks}")
    click.echo("\nSources:")
    for src in answer.sources:
        who = src["author"] or "author unknown"
        when = f", {src['posted_at'][:10]}" if src["posted_at"] else ""
        where = src["url"] or f"kb show {src['thread_id']}#{src['post_number']}"
        click.echo(f"[{src['k']}] {src['thread_title']} #{src['post_number']} — {who}{when}")
        click.echo(f"    {where}")


@main.command()
@click.pass_obj
def reindex(obj: Ctx) -> None:
    """Rebuild the search index and TF-IDF from the store."""
    from kb.knowledge import KB

    kb = KB(obj.data_dir, store=obj.store(fill=False))
    n = sync(kb, "reindexing", rebuild=True)
    click.echo(f"reindexed {n} posts")
