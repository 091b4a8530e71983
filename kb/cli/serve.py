"""`kb serve`: the web app on waitress (a production WSGI server); Flask's debug server on --debug.

The one place the `kb` package reaches into `web/`.
"""

from __future__ import annotations

import socket

import click

from kb.cli.common import Ctx, fail


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on.")
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64),
              help="Worker threads (waitress).")
@click.option("--debug", is_flag=True, help="Flask's debug server with reloader (development only).")
@click.pass_obj
def serve(obj: Ctx, host: str, port: int, threads: int, debug: bool) -> None:
    """Serve the search and answer pages and the JSON API."""
    from web import create_app

    _check_host(host, port)  # before indexing: a typo should not cost a reindex first
    obj.fresh_kb()  # fill an empty store and index it, with progress, before serving
    obj.close()
    app = create_app({"KB_DATA_DIR": str(obj.data_dir)})
    click.echo(f"kb: serving {obj.data_dir} on http://{host}:{port}/", err=True)
    try:
        if debug:
            app.run(host=host, port=port, debug=True)
            return
        from waitress import serve as waitress_serve

        waitress_serve(app, host=host, port=port, threads=threads, ident="kb")
    except OSError as exc:  # the port is taken, or the address is not this machine's
        fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")


def _check_host(host: str, port: int) -> None:
    """A usage error (exit 2) when --host names no address at all."""
    try:
        socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (OSError, UnicodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        fail(f"--host {host!r} is not an address or a host name this machine can resolve "
             f"({reason})", 2)
