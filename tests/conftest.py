"""Shared fixtures: a fresh data dir per test, the CLI runner, the real data beside the checkout."""

from __future__ import annotations

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
    from kb.store import Store

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
