"""`kb export`, `kb threads`, `kb show`, `kb stats`: reading the store (no ranking, no index)."""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import click

from kb.cli.common import Ctx, emit_json, fail, json_option

if TYPE_CHECKING:
    from kb.store import Store
    from scraper.models import Post, Thread


@click.command()
@click.option("--thread", "thread_id", metavar="ID", help="Only this thread.")
@click.pass_obj
def export(obj: Ctx, thread_id: str | None) -> None:
    """Write every post as one JSON object per line (kb-jsonl; `kb ingest` reads it back)."""
    store = obj.kb().store
    threads: Iterable[Thread] = [_thread(store, thread_id)] if thread_id else store.iter_threads()
    out = sys.stdout
    for thread in threads:
        for post in thread.posts:
            out.write(json.dumps(post.to_export(thread), ensure_ascii=False) + "\n")


@click.command()
@click.option("-n", "--limit", default=50, show_default=True, type=click.IntRange(min=1),
              help="How many threads.")
@json_option
@click.pass_obj
def threads(obj: Ctx, limit: int, as_json: bool) -> None:
    """List threads, most recently active first."""
    store = obj.kb().store
    rows = store.threads(limit=limit)
    if as_json:
        stored = store.post_counts([t.thread_id for t in rows])
        emit_json([{"thread_id": t.thread_id, "thread_title": t.title, "forum": t.forum,
                    "posts": stored.get(t.thread_id, 0), "posts_declared": t.posts_declared,
                    "format": t.format} for t in rows])
        return
    for t in rows:
        click.echo(f"{t.thread_id}\t{t.title}")


@click.command()
@click.argument("ref", metavar="THREAD_ID[#N]")
@json_option
@click.pass_obj
def show(obj: Ctx, ref: str, as_json: bool) -> None:
    """Print a thread, or one post of it with THREAD_ID#N (--json: `kb export`'s shape)."""
    tid, _, num = ref.partition("#")
    thread = _thread(obj.kb().store, tid, f"#{num}" if num else "")
    posts = thread.posts
    if num:
        if not num.isdigit():
            fail(f"post number must be an integer, got {num!r}", 2)
        posts = [p for p in posts if p.post_number == int(num)]
        if not posts:
            fail(f"thread {thread.thread_id} has no post #{num}; try `kb show {thread.thread_id}`")
    if as_json:
        emit_json([p.to_export(thread) for p in posts])
        return
    click.secho(thread.title, bold=True)
    click.echo(f"{thread.thread_id} · {len(thread.posts)} posts"
               + (f" of {thread.posts_declared}" if thread.posts_declared else ""))
    for post in posts:
        _print_post(post)


def _print_post(p: Post) -> None:
    who = p.author or "(author unknown)"
    if p.author_source == "quote":
        who += " (from a later quote)"
    when = f" · {p.posted_at}" if p.posted_at else ""
    click.echo("")
    click.secho(f"#{p.post_number} {who}{when}", fg="cyan")
    for q in p.quotes:
        src = f"#{q.post_number} " if q.post_number else ""
        click.echo(f"  > {src}{q.author or 'someone'} wrote:")
        click.echo(textwrap.indent(textwrap.shorten(q.text, 300), "  > "))
    click.echo(p.body)
    if p.signature:
        click.secho(f"-- {p.signature}", dim=True)


@click.command()
@json_option
@click.pass_obj
def stats(obj: Ctx, as_json: bool) -> None:
    """What the store holds."""
    store = obj.kb().store
    s: dict[str, Any] = {**store.stats(), "data_dir": str(obj.data_dir), "store": store.url}
    if as_json:
        emit_json(s)
        return
    click.echo(f"{s['threads']} threads, {s['posts']} posts by {s['authors']} authors "
               f"from {s['sources']} files in {store.url if obj.db else s['data_dir']}")
    for fmt, n in sorted(s["formats"].items()):
        click.echo(f"  {fmt}: {n} file(s)")
    if s["first_posted"]:
        click.echo(f"posts from {s['first_posted']} to {s['last_posted']}")


def _thread(store: Store, ref: str, post: str = "") -> Thread:
    """The thread `ref` names: its key, "forum:id", or the forum's own id when one forum has it.
    An id two forums share names no thread: say which ones, and how to pick (exit 2)."""
    ids = store.find_thread_ids(ref)
    if not ids:
        fail(f"no thread {ref!r}; `kb threads` lists them")
    if len(ids) > 1:
        fail(ambiguous(store, ref, ids, post), 2)
    thread = store.thread(ids[0])
    if thread is None:  # removed between the two reads (an ingest replaced it)
        fail(f"no thread {ref!r}; `kb threads` lists them")
    return thread


def ambiguous(store: Store, ref: str, ids: list[str], post: str = "") -> str:
    """One line saying how to pick, then one line per thread `ref` may mean."""
    lines = [f"{ref!r} names {len(ids)} threads, one in each of these forums; give the full id, "
             f"e.g. `kb show {ids[0]}{post}`:"]
    for tid in ids:
        head = store.thread_head(tid)
        if head is not None:
            lines.append(f"  {tid}\t{head.title}")
    return "\n".join(lines)
