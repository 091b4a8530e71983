"""Shared fixtures: a fresh data dir per test, the CLI runner, the real data beside the checkout."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
SEED = ROOT / "corpus" / "leg-strength-400m.txt"
FIXTURES = ROOT / "tests" / "fixtures"


def shared(*parts: str) -> Path:
    """A path under ../shared/data, or skip the test when that folder is absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"../shared/data absent ({path} not found)")
    return path


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def store(data_dir: Path):  # type: ignore[no-untyped-def]
    from kb.config import STORE_FILE
    from kb.store.sqlite import SQLiteStore as Store

    s = Store(data_dir / STORE_FILE)
    yield s
    s.close()


@pytest.fixture
def kb(data_dir: Path):  # type: ignore[no-untyped-def]
    """Run the `kb` CLI against the test's data dir: kb("ingest", path) -> click Result."""
    from kb.cli import main

    runner = CliRunner()

    def run(*args: str, input: bytes | str | None = None):  # type: ignore[no-untyped-def]
        return runner.invoke(main, ["--data-dir", str(data_dir), *map(str, args)], input=input,
                             catch_exceptions=False)

    return run


# -- the stores: one contract, two implementations ---------------------------------------------

_databases = itertools.count()


@pytest.fixture(scope="session")
def pg_server():  # type: ignore[no-untyped-def]
    """A throwaway PostgreSQL server for the session (tests/pg.py), or skip saying why not."""
    pytest.importorskip("psycopg", reason="psycopg is not installed: pip install -e '.[postgres]'")
    from tests import pg

    try:
        server = pg.start()
    except RuntimeError as exc:
        pytest.skip(str(exc))
    yield server
    server.stop()


@pytest.fixture
def pg_url(pg_server) -> str:  # type: ignore[no-untyped-def]
    """A new, empty database on the session's server."""
    from tests import pg

    return pg.create_database(pg_server, f"kb_test_{next(_databases)}")


@dataclass
class Backend:
    """Where a contract test's store lives: SQLite in the data dir, or a PostgreSQL database."""

    name: str
    data_dir: Path
    db: str | None
    new_db: Callable[[], str] | None = None

    def open(self):  # type: ignore[no-untyped-def]
        from kb.config import STORE_FILE
        from kb.store import open_store

        return open_store(self.db or self.data_dir / STORE_FILE)

    def args(self, data_dir: Path | None = None) -> list[str]:
        """The `kb` options that select this store (and a node's data dir)."""
        return ["--data-dir", str(data_dir or self.data_dir)] + (["--db", self.db] if self.db else [])

    def another(self, data_dir: Path) -> Backend:
        """A second, empty store of the same kind (a reference run)."""
        return Backend(self.name, data_dir, self.new_db() if self.new_db else None, self.new_db)


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request, data_dir: Path) -> Backend:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        return Backend("sqlite", data_dir, None)
    server = request.getfixturevalue("pg_server")
    from tests import pg

    def new_db() -> str:
        return pg.create_database(server, f"kb_test_{next(_databases)}")

    return Backend("postgres", data_dir, new_db(), new_db)
