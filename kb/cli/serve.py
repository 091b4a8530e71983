"""`kb serve`: the web app on waitress (a production WSGI server), on gunicorn with --workers
(one process per core: `/api/ask` is CPU-bound and threads share one GIL), or on Flask's debug
server with --debug.

The one place the `kb` package reaches into `web/`.
"""

from __future__ import annotations

import socket
from typing import Any

import click

from kb.cli.common import Ctx, fail

BACKLOG = 2048  # gunicorn's default


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on.")
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64),
              help="Threads per worker process.")
@click.option("--workers", type=click.IntRange(1, 64),
              help="Worker processes (gunicorn), each with its own copy of the knowledge base; "
                   "without it, one process (waitress).")
@click.option("--debug", is_flag=True, help="Flask's debug server with reloader (development only).")
@click.pass_obj
def serve(obj: Ctx, host: str, port: int, threads: int, workers: int | None, debug: bool) -> None:
    """Serve the search and answer pages and the JSON API."""
    if debug and workers:
        fail("--workers and --debug do not go together (the debug server is one process)", 2)
    _check_host(host, port)  # before indexing: a typo should not cost a reindex first
    # Bound before indexing too, so a busy port is one line now, not a retry loop later.
    listener = _listen(host, port) if workers else None
    where = _where(obj)
    obj.close()
    if listener is not None and workers:
        port = listener.getsockname()[1]
        click.echo(f"kb: serving {where} on http://{host}:{port}/ "
                   f"({workers} workers × {threads} threads)", err=True)
        _gunicorn(obj, listener, workers, threads)
        return
    from web import create_app

    app = create_app(_config(obj))
    click.echo(f"kb: serving {where} on http://{host}:{port}/", err=True)
    try:
        if debug:
            app.run(host=host, port=port, debug=True)
            return
        from waitress import serve as waitress_serve

        waitress_serve(app, host=host, port=port, threads=threads, ident="kb")
    except OSError as exc:  # the port is taken, or the address is not this machine's
        fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")


def _where(obj: Ctx) -> str:
    """Fill an empty store and index it, with progress, before serving; say what is served."""
    kb = obj.fresh_kb()
    return f"{kb.store.url} (index in {obj.data_dir})" if obj.db else str(obj.data_dir)


def _config(obj: Ctx) -> dict[str, Any]:
    """What the app needs to open the same knowledge base in each worker."""
    return {"KB_DATA_DIR": str(obj.data_dir), "KB_DATABASE_URL": obj.db}


def _check_host(host: str, port: int) -> None:
    """A usage error (exit 2) when --host names no address at all."""
    try:
        socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (OSError, UnicodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        fail(f"--host {host!r} is not an address or a host name this machine can resolve "
             f"({reason})", 2)


def _listen(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (the first address it resolves to), or a one-line failure."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn and waitress do
        sock.bind(address)
        sock.listen(BACKLOG)
    except OSError as exc:
        sock.close()
        fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
    return sock


def _gunicorn(obj: Ctx, listener: socket.socket, workers: int, threads: int) -> None:
    """gunicorn's arbiter over our bound socket: each worker process builds the app (and opens
    the knowledge base) itself after the fork, so no database connection crosses a fork."""
    from gunicorn.app.base import BaseApplication

    config = _config(obj)
    options: dict[str, Any] = {
        "bind": [f"fd://{listener.detach()}"],  # gunicorn owns the descriptor from here on
        "workers": workers,
        # gthread even for one thread: its main loop keeps the heartbeat going while a request
        # runs, so a long first sync after an ingest is not killed as a hung worker.
        "worker_class": "gthread",
        "threads": threads,
        "preload_app": False,
        "proc_name": "kb",
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "info",
        # gunicorn 24+ opens a control socket at one fixed path per user: two servers (or a
        # test beside a server) would fight over it, and nothing of ours uses it.
        "control_socket_disable": True,
    }

    class KBServer(BaseApplication):  # type: ignore[misc]  # gunicorn ships no type hints
        def load_config(self) -> None:
            for key, value in options.items():
                if key in self.cfg.settings:  # older gunicorns lack the newest settings
                    self.cfg.set(key, value)

        def load(self) -> Any:
            from web import create_app

            return create_app(config)

    KBServer().run()
