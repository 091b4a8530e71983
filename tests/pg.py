"""A throwaway PostgreSQL server for the tests: initdb + pg_ctl on a Unix socket in a temp dir.

No TCP port is opened (listen_addresses=''), so parallel runs and a server the machine already
runs never collide. As root the server runs as the `postgres` user (PostgreSQL refuses root).
Durability is switched off: the tests kill kb's processes, never the server's.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

PORT = 54329


def server_binaries() -> Path | None:
    """The folder holding initdb and pg_ctl (Debian keeps them out of $PATH), or None."""
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if os.access(Path(folder) / "initdb", os.X_OK):
            return Path(folder)
    return None


@dataclass
class Server:
    root: Path
    bindir: Path
    as_user: list[str]  # ["runuser", "-u", "postgres", "--"] as root, else []

    @property
    def socket_dir(self) -> str:
        return str(self.root)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@/{database}?host={self.root}&port={PORT}"

    def run(self, *args: str) -> None:
        subprocess.run([*self.as_user, *args], check=True, capture_output=True, timeout=120)

    def stop(self) -> None:
        try:
            self.run(str(self.bindir / "pg_ctl"), "-D", str(self.root / "data"), "-m",
                     "immediate", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def start(durable: bool = False) -> Server:
    """A fresh server; raises RuntimeError saying why when there is none to be had.

    durable: fsync on, as a real server runs (bench/pg_scale.py); commits still do not wait for
    the disk (synchronous_commit=off: what SQLite's synchronous=NORMAL in WAL mode promises)."""
    bindir = server_binaries()
    if bindir is None:
        raise RuntimeError("PostgreSQL server binaries (initdb, pg_ctl) not found: "
                           "apt-get install postgresql")
    as_user: list[str] = []
    root = Path(tempfile.mkdtemp(prefix="kb-pg-"))
    if os.geteuid() == 0:
        as_user = ["runuser", "-u", "postgres", "--"]
        shutil.chown(root, "postgres")
    server = Server(root, bindir, as_user)
    options = (f"-c listen_addresses='' -k {root} -p {PORT} -c synchronous_commit=off "
               "-c max_connections=200")
    if not durable:
        options += " -c fsync=off -c full_page_writes=off"
    try:
        server.run(str(bindir / "initdb"), "-D", str(root / "data"), "-U", "postgres",
                   "--auth=trust", "-E", "UTF8", "--no-sync")
        server.run(str(bindir / "pg_ctl"), "-D", str(root / "data"), "-l", str(root / "log"),
                   "-o", options, "-w", "start")
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        log = (root / "log").read_text(errors="replace")[-500:] if (root / "log").exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        detail = getattr(exc, "stderr", b"") or b""
        raise RuntimeError(f"could not start PostgreSQL: {exc} {detail.decode()[-300:]} {log}"
                           ) from None
    return server


def create_database(server: Server, name: str) -> str:
    """A new, empty database on `server`; its URL."""
    import psycopg

    with psycopg.connect(server.url(), autocommit=True) as con:
        con.execute(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\'')
    return server.url(name)
