"""`kb search`, `kb ask`, `kb reindex`: thin shells over `kb.search.search`, `kb.answer.ask` and
`KB.reindex`, printing for people or as JSON."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from kb.cli.common import Ctx, emit_json, fail, json_option, progress

if TYPE_CHECKING:
    from kb.answer import Answer
    from kb.search import SearchResult


# Unknown options are query words: `kb search battery -author:pedro` needs no quotes or "--".
@click.command(context_settings={"ignore_unknown_options": True})
@click.argument("query", nargs=-1, required=True)
@click.option("-n", "--limit", default=10, show_default=True, type=click.IntRange(min=1),
              help="How many hits.")
@click.option("--posts", "every_post", is_flag=True, help="Every matching post, not one per thread.")
@click.option("--sort", type=click.Choice(["relevance", "newest", "oldest"]), default="relevance",
              show_default=True, help="Order of the hits.")
@click.option("--forum", metavar="HOST", help="Only threads of this forum (as `kb threads` shows).")
@json_option
@click.pass_obj
def search(obj: Ctx, query: tuple[str, ...], limit: int, every_post: bool, sort: str,
           forum: str | None, as_json: bool) -> None:
    """Ranked posts for QUERY. Syntax: "exact phrase", author:NAME or @NAME, thread:ID,
    in:title, before:YYYY-MM-DD, after:YYYY-MM-DD, -word; "-" before any filter negates it.
    Filters alone list the newest posts first."""
    from kb.query import QueryError
    from kb.search import search as run

    text = _nonempty(query, "words to search for, e.g. `kb search battery`")
    try:
        result = run(obj.fresh_kb(), text, limit=limit, per_thread=not every_post, sort=sort,
                     forum=forum)
    except QueryError as exc:
        fail(str(exc), 2)
    if as_json:
        emit_json(result.to_dict())
    else:
        _print_hits(result, every_post)


def _nonempty(words: tuple[str, ...], wanted: str) -> str:
    """The words as one query; a usage error (exit 2) when they are only blanks."""
    text = " ".join(" ".join(words).split())
    if not text:
        fail(f"nothing to look for: give {wanted}", 2)
    return text


def _print_hits(result: SearchResult, every_post: bool) -> None:
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
    about = "" if result.total_exact else "at least "  # the time budget ran out on phrases
    click.echo(f"\n{about}{result.total} {'posts' if every_post else 'threads'} matched", err=True)


def _bold(snippet: str) -> str:
    parts = snippet.split("**")
    return "".join(click.style(p, bold=True) if i % 2 else p for i, p in enumerate(parts))


@click.command()
@click.argument("question", nargs=-1, required=True)
@json_option
@click.pass_obj
def ask(obj: Ctx, question: tuple[str, ...], as_json: bool) -> None:
    """Answer QUESTION from the members' own words, citing the posts."""
    from kb.answer import ask as run
    from kb.query import QueryError

    text = _nonempty(question, "a question, e.g. `kb ask 'is it worth it?'`")
    try:
        answer = run(obj.fresh_kb(), text)
    except QueryError as exc:
        fail(str(exc), 2)
    if as_json:
        emit_json(answer.to_dict())
    else:
        _print_answer(answer)


def _print_answer(answer: Answer) -> None:
    from kb.answer_view import group_by_stance

    if answer.searched_for:
        fixes = ", ".join(f"{b} (for “{a}”)" for a, b in answer.searched_for.items())
        click.echo(f"searched for: {fixes}")
    if answer.note:
        click.echo(answer.note)
        if answer.related:
            click.echo("\nRelated threads (may not answer):")
            for t in answer.related:
                where = t["url"] or f"kb show {t['thread_id']}#{t['post_number']}"
                click.echo(f"- {t['thread_title']}\n    {where}")
        return
    for group in group_by_stance(answer):
        if group.heading:
            click.secho(f"{group.heading}:", bold=True)
        for item in group.items:
            marks = "".join(f"[{k}]" for k in item.cites)
            click.echo(("  " if group.heading else "") + f"{item.text} {marks}")
    click.echo("\nSources:")
    for src in answer.sources:
        who = src["author"] or "author unknown"
        when = f", {src['posted_at'][:10]}" if src["posted_at"] else ""
        where = src["url"] or f"kb show {src['thread_id']}#{src['post_number']}"
        click.echo(f"[{src['k']}] {src['thread_title']} #{src['post_number']} — {who}{when}")
        click.echo(f"    {where}")


@click.command()
@click.pass_obj
def reindex(obj: Ctx) -> None:
    """Rebuild the term counts kb ranks from, from the store."""
    kb = obj.kb(seed=False)
    with progress(kb, "reindexing") as update:
        n = kb.reindex(update)
    click.echo(f"reindexed {n} posts")
