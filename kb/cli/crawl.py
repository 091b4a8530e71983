"""`kb crawl` and `kb reparse`: thin shells over `kb.crawl`, with progress on stderr."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from kb.cli.common import Ctx, emit_json, fail, json_option

if TYPE_CHECKING:
    from kb.crawl import CrawlSummary


LOG_EVERY = 25


@click.command()
@click.argument("urls", nargs=-1, required=True)
@click.option("--max-pages", type=click.IntRange(min=1), help="Stop after this many requests.")
@click.option("--delay", type=click.FloatRange(min=0), default=1.0, show_default=True,
              help="Seconds between two requests to one host (robots.txt's Crawl-delay wins "
                   "when longer).")
@click.option("--concurrency", type=click.IntRange(min=1), default=1, show_default=True,
              help="Hosts fetched at once (never more than one request at a time per host).")
@click.option("--warc", type=click.Path(dir_okay=False, path_type=Path),
              help="Append every response to this WARC file (default: DATA_DIR/crawl/).")
@click.option("--since", metavar="DATE",
              help="Skip threads a board lists as idle since before DATE (YYYY[-MM[-DD]]).")
@click.option("--no-ingest", is_flag=True, help="Archive only: fetch and keep, ingest nothing "
              "(`kb reparse` ingests the archive later).")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=30.0, show_default=True,
              help="Seconds a response may take, in total.")
@click.option("--retries", type=click.IntRange(min=0), default=3, show_default=True,
              help="Retries of a page after a transient failure (timeout, 5xx, 429).")
@click.option("--whole-host", is_flag=True, help="Follow links anywhere on the start URL's "
              "host, not only under its path.")
@json_option
@click.option("--quiet", "-q", is_flag=True, help="No progress on stderr.")
@click.pass_obj
def crawl(obj: Ctx, urls: tuple[str, ...], max_pages: int | None, delay: float,
          concurrency: int, warc: Path | None, since: str | None, no_ingest: bool,
          timeout: float, retries: int, whole_host: bool, as_json: bool, quiet: bool) -> None:
    """Fetch a forum's threads from URLS (a thread, a board or a forum index) and ingest them.

    Honours robots.txt and its Crawl-delay, one request at a time per host, backs off on
    429/503. Every response goes to a WARC file and the store; a killed crawl resumes where it
    stopped, a finished one re-asks only what may have changed (If-None-Match). Exit 0 when
    every page was read, 1 when some were given up on, 2 for usage errors.
    """
    from kb.crawl import CrawlError, Options
    from kb.crawl import crawl as run

    opts = Options(max_pages=max_pages, delay=delay, concurrency=concurrency, warc=warc,
                   since=since, ingest=not no_ingest, timeout=timeout, retries=retries,
                   whole_host=whole_host)
    kb = obj.kb(seed=False)
    show = None if quiet or as_json else _progress
    try:
        summary = run(kb, list(urls), opts, show)
    except CrawlError as exc:
        fail(str(exc), 2)
    except KeyboardInterrupt:
        fail("interrupted; run the same command again to go on where it stopped", 130)
    except OSError as exc:
        fail(f"cannot write the WARC file: {exc.strerror or exc}; pass a writable --warc")
    if show and sys.stderr.isatty():
        click.echo("", err=True)
    if as_json:
        emit_json(summary.to_dict())
    else:
        _print_summary(summary)
    bad = summary.errors or summary.ingest.skipped or (summary.disallowed and not summary.fetched)
    sys.exit(1 if bad else 0)


def _progress(s: CrawlSummary) -> None:
    """One line kept up to date on a terminal; elsewhere (a log) a line every LOG_EVERY pages."""
    line = (f"pages fetched {s.fetched} ({s.not_modified} unchanged), queued {s.queued}, "
            f"posts added {s.ingest.added}, errors {len(s.errors)}")
    if sys.stderr.isatty():
        click.echo("\r" + line, err=True, nl=False)
    elif s.fetched and s.fetched % LOG_EVERY == 0:
        click.echo(line, err=True)


def _print_summary(summary: CrawlSummary) -> None:
    s: dict[str, Any] = summary.to_dict()
    p, i = s["pages"], s["ingest"]
    click.echo(f"{p['fetched']} page(s) fetched ({p['not_modified']} unchanged), {p['queued']} "
               f"still queued; {i['threads']} thread(s), posts: {i['posts']['added']} added, "
               f"{i['posts']['updated']} updated; archived in {s['warc']}")
    for e in s["start_failures"]:
        click.echo(f"kb: cannot crawl {e['url']}: {e['reason']}; {_advice(e['reason'])}",
                   err=True)
    for url in s["disallowed"]:
        click.echo(f"not fetched (robots.txt disallows it): {url}", err=True)
    named = {e["url"] for e in s["start_failures"]}
    for e in (e for e in s["errors"] if e["url"] not in named):
        click.echo(f"gave up on {e['url']}: {e['reason']}", err=True)
    for e in i["skipped"]:
        click.echo(f"skipped {e['file']}: {e['reason']}", err=True)


def _advice(reason: str) -> str:
    """What to do about a start URL that could not be read."""
    if reason.startswith("robots.txt disallows"):
        return "the site asks crawlers to stay out; kb respects that (save the pages by hand " \
               "and use kb ingest)"
    if reason.startswith("cannot reach") or "timed out" in reason:
        return "check the address and your network, then run kb crawl again"
    if "HTTP 4" in reason:
        return "check the address (open it in a browser)"
    return "try again later: kb crawl resumes where it stopped"


@click.command()
@json_option
@click.pass_obj
def reparse(obj: Ctx, as_json: bool) -> None:
    """Parse every archived crawl response again and re-ingest it (no network): after kb's
    parsers improved, or after `kb crawl --no-ingest`."""
    from kb.reparse import reparse as run

    kb = obj.kb(seed=False)
    summary = run(kb)
    if as_json:
        emit_json(summary.to_dict())
    else:
        d: dict[str, Any] = summary.to_dict()
        click.echo(f"{d['files']} page(s) parsed again, {d['threads']} thread(s); posts: "
                   f"{d['posts']['added']} added, {d['posts']['updated']} updated, "
                   f"{d['posts']['unchanged']} unchanged, {d['posts']['removed']} removed")
        for e in d["skipped"]:
            click.echo(f"skipped {e['file']}: {e['reason']}", err=True)
    sys.exit(1 if summary.skipped else 0)
