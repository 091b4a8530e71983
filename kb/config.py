"""Where kb keeps its data: --data-dir, else $KB_DATA_DIR, else the per-user data dir; the posts
there too unless --db / $KB_DATABASE_URL names a PostgreSQL database."""

from __future__ import annotations

import os
import sys
from pathlib import Path

STORE_FILE = "kb.sqlite3"
INDEX_DIR = "index"
COUNTS_FILE = "counts.bin"  # in INDEX_DIR, memory-mapped (kb/arrays.py); older kbs left
# counts.npz (read once, then replaced) and tfidf.pickle (never read now) there
# Title words count 2.5x body words, in the Whoosh schema and kb's BM25F alike (they must agree).
TITLE_BOOST = 2.5


def default_data_dir() -> Path:
    """$KB_DATA_DIR, else the platform's per-user data directory."""
    env = os.environ.get("KB_DATA_DIR")
    if env:
        return Path(env).expanduser()
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "kb"
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA", Path.home())) / "kb"
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "kb"


def database_url() -> str | None:
    """$KB_DATABASE_URL: the PostgreSQL store to use instead of the data dir's SQLite file."""
    return os.environ.get("KB_DATABASE_URL") or None


def corpus_files() -> list[tuple[str, bytes]]:
    """The bundled example threads, installed with the package (works from a wheel too)."""
    from importlib import resources

    root = resources.files("corpus")
    return sorted(
        (f"corpus/{entry.name}", entry.read_bytes())
        for entry in root.iterdir()
        if entry.is_file() and not entry.name.startswith(("_", "."))
    )
