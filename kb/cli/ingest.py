"""`kb ingest`: a thin shell over `KB.ingest`, with a progress bar and a summary for people."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

from kb.cli.common import Ctx, emit_json, json_option

if TYPE_CHECKING:
    from kb.ingest import Summary

# From this many input files on, indexing runs alongside parsing (two writer processes); a
# handful of files is indexed faster by one writer at the end.
STREAM_FILES = 50
SHOW_IGNORED = 5  # READMEs and licences beside a dump are listed, not all of them


@click.command()
@click.argument("paths", nargs=-1, required=True,
                type=click.Path(exists=True, allow_dash=True))
@click.option("--format", "fmt", metavar="NAME",
              help="Skip detection and read every file as this format (e.g. phpbb-html).")
@json_option
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.pass_obj
def ingest(obj: Ctx, paths: tuple[str, ...], fmt: str | None, as_json: bool, quiet: bool) -> None:
    """Read thread dumps into the store: files, folders (recursive), .zip/.tar.gz, or - for stdin.

    Formats are detected from content: vbulletin-text, vbulletin-html, phpbb-html, xenforo-html,
    nodebb-html, discourse-html, discourse-json, discourse-raw, discourse-md, stackexchange-xml,
    kb-jsonl, mbox, pipermail-html, hyperkitty-html, hypermail-html, reddit-json, reddit-dump,
    forum-dl-jsonl, warc (every thread page inside), mhtml (a page saved as one file), each
    also gzip-, bzip2-, xz- or zstd-compressed (a month's mail archive as 2019-January.txt.gz,
    a Pushshift .zst); any other forum's thread page as generic-html. The search index
    follows. Exit 0 when every file went in, 1 when some were skipped.
    """
    from kb.ingest import count_files, expand, read_sources
    from kb.parsing import workers_for

    if fmt:
        from scraper import ParseError, detect

        try:
            detect.parser_for(fmt)
        except ParseError as exc:
            raise click.BadParameter(str(exc), param_hint="--format") from None
    files = expand(list(paths))
    kb = obj.kb(seed=False)
    sources = read_sources(files, explicit=set(paths))
    total = count_files(files)
    stream = total >= STREAM_FILES
    workers = workers_for(total) if stream else 0
    if not quiet and not as_json and sys.stderr.isatty():
        with click.progressbar(length=total, label="ingesting", file=sys.stderr,
                               show_pos=True) as bar:
            summary = kb.ingest(sources, fmt, on_file=lambda s: bar.update(1), stream=stream,
                                 workers=workers)
    else:
        summary = kb.ingest(sources, fmt, stream=stream, workers=workers)
    if as_json:
        emit_json(summary.to_dict())
    else:
        _print_summary(summary)
    sys.exit(1 if summary.skipped else 0)


def _print_summary(summary: Summary) -> None:
    s: dict[str, Any] = summary.to_dict()  # the --json shape, so both outputs say the same
    p = s["posts"]
    click.echo(f"{s['files']} file(s) read ({s['files_unchanged']} unchanged), "
               f"{s['threads']} thread(s); posts: {p['added']} added, {p['updated']} updated, "
               f"{p['unchanged']} unchanged, {p['removed']} removed")
    ignored = s["ignored"]
    for item in ignored[:SHOW_IGNORED]:
        click.echo(f"ignored {item['file']}: {item['reason']}", err=True)
    if len(ignored) > SHOW_IGNORED:
        click.echo(f"… and {len(ignored) - SHOW_IGNORED} more files that are not thread dumps "
                   "(--json lists them)", err=True)
    for item in s["skipped"]:
        click.echo(f"skipped {item['file']}: {item['reason']}", err=True)
    if s["skipped"]:
        click.echo(f"{len(s['skipped'])} file(s) skipped", err=True)
