"""Thread identity: topic 7210 of discourse.urho3d.io and topic 7210 of the esk8 builders forum
are two threads, whichever came in first; `kb show` and /t/<id> never open the wrong one; a
schema-3 store, which kept them apart only by title, migrates."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import shared

URHO = "discourse.urho3d.io"
ESK8 = "electric-skateboard.builders"


def esk8_7210() -> Path:
    [path] = shared("esk8-builders-discourse-md").rglob("7210_*.md")
    return path


def urho_7210() -> list[Path]:
    """The same Urho3D topic twice: the /t/7210.json and its /raw text."""
    posts = shared("urho3d-discourse", "posts")
    return [posts / "json" / "shadow-map-coverage-skewed-to-the-side.7210.json",
            posts / "raw" / "shadow-map-coverage-skewed-to-the-side.7210.md"]


def show_json(kb: Any, ref: str) -> list[dict[str, Any]]:
    result = kb("show", "--json", ref)
    assert result.exit_code == 0, result.output
    return list(json.loads(result.output))


def export(kb: Any) -> list[dict[str, Any]]:
    return [json.loads(x) for x in kb("export").output.splitlines()]


def test_one_id_in_two_forums_is_two_threads(kb: Any) -> None:
    assert kb("ingest", esk8_7210(), *urho_7210()).exit_code == 0
    threads = json.loads(kb("threads", "--json").output)
    assert [(t["thread_id"], t["forum"]) for t in threads] == [
        (f"{URHO}:7210", URHO), (f"{ESK8}:7210", ESK8)]
    urho = show_json(kb, f"{URHO}:7210")
    # the JSON and the raw text of the topic are one thread of 8 posts, not two
    assert [p["author"] for p in urho] == ["najak3d"] * 6 + ["SirNate0", "JSandusky"]
    assert urho[0]["body"].startswith("We")
    assert "ShadowMap Coverage" in urho[0]["body"]
    esk8 = show_json(kb, f"{ESK8}:7210")
    assert len(esk8) == 36 and esk8[0]["author"] == "laikiux"
    assert esk8[0]["body"].startswith("Hello, guys. Today I'm going to show you")
    assert {p["thread_id"] for p in esk8} == {f"{ESK8}:7210"}


def test_bare_id_two_forums_share_lists_them(kb: Any) -> None:
    kb("ingest", esk8_7210(), *urho_7210())
    result = kb("show", "7210")
    assert result.exit_code == 2
    first, *choices = result.stderr.strip().splitlines()
    assert first == (f"kb: '7210' names 2 threads, one in each of these forums; give the full"
                     f" id, e.g. `kb show {URHO}:7210`:")
    assert choices == [f"  {URHO}:7210\tShadow Map Coverage Skewed to the Side",
                       f"  {ESK8}:7210\tCustom made CNC motor mount. Caliber | 6374"]
    assert result.stdout == ""
    by_post = kb("show", "7210#2")
    assert by_post.exit_code == 2 and f"`kb show {URHO}:7210#2`" in by_post.stderr
    assert show_json(kb, f"{URHO}:7210#8")[0]["author"] == "JSandusky"


def test_bare_id_one_forum_has_still_names_it(kb: Any) -> None:
    json_6454 = shared("urho3d-discourse", "posts", "json",
                       "1-byte-per-pixel-8bpp-texture-support-e-g-luminance.6454.json")
    kb("ingest", esk8_7210(), json_6454)
    for ref in ("6454", f"{URHO}:6454"):
        posts = show_json(kb, ref)
        assert {p["thread_id"] for p in posts} == {"6454"} and {p["forum"] for p in posts} == {URHO}
    # an id only one forum has keeps its bare key: links and `thread:` filters stay as they were
    assert show_json(kb, "7210")[0]["thread_id"] == "7210"
    assert show_json(kb, f"{ESK8}:7210")[0]["author"] == "laikiux"
    assert kb("show", f"{URHO}:7210").exit_code == 1


def test_keys_do_not_depend_on_ingest_order(kb: Any, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from kb.cli import main

    kb("ingest", *urho_7210())
    assert show_json(kb, "7210")[0]["thread_id"] == "7210"  # alone so far: the bare id
    kb("ingest", esk8_7210())  # now two forums have 7210: both keys say which
    other = ["--data-dir", str(tmp_path / "other")]
    CliRunner().invoke(main, [*other, "ingest", str(esk8_7210()), *map(str, urho_7210())])
    forward = [json.loads(x)
               for x in CliRunner().invoke(main, [*other, "export"]).output.splitlines()]
    drop = lambda rows: sorted((r["thread_id"], r["post_number"], r["author"], r["body"])  # noqa: E731
                               for r in rows)
    assert drop(export(kb)) == drop(forward)
    assert {r["thread_id"] for r in forward} == {f"{URHO}:7210", f"{ESK8}:7210"}


def test_reingest_changes_nothing(kb: Any) -> None:
    files = [esk8_7210(), *urho_7210()]
    kb("ingest", *files)
    before = export(kb)
    again = json.loads(kb("ingest", "--json", *files).output)
    assert again["files_unchanged"] == 3
    assert again["posts"]["added"] == again["posts"]["updated"] == again["posts"]["removed"] == 0
    assert export(kb) == before


def test_dumps_without_a_readme_stay_apart(kb: Any, tmp_path: Path) -> None:
    """Copied out of their dumps, neither file's folder names a site: the Urho3D JSON names
    its host, the esk8 markdown falls back to its format."""
    flat = tmp_path / "flat"
    flat.mkdir()
    for path in (esk8_7210(), urho_7210()[0]):
        shutil.copy(path, flat / path.name)
    kb("ingest", flat)
    threads = json.loads(kb("threads", "--json").output)
    assert sorted((t["thread_id"], t["forum"]) for t in threads) == [
        ("discourse-md:7210", "discourse-md"), (f"{URHO}:7210", URHO)]


def test_stack_exchange_dumps_without_a_host_are_their_folders(kb: Any, tmp_path: Path) -> None:
    """Question 1 of cstheory-meta and of coffee, the coffee dump in a folder not named for
    its host: a Posts.xml is a whole site, so its folder names the site."""
    coffee = tmp_path / "coffee-dump" / "Posts.xml"
    coffee.parent.mkdir()
    shutil.copy(shared("stackexchange-beer-coffee", "coffee.stackexchange.com", "Posts.xml"), coffee)
    kb("ingest", shared("stackexchange", "cstheory-meta", "Posts.xml"), coffee)
    assert show_json(kb, "coffee-dump:1")[0]["thread_title"] == "How should I store whole bean coffee?"
    assert show_json(kb, "cstheory-meta:1")[0]["forum"] == "cstheory-meta"
    result = kb("show", "1")
    assert result.exit_code == 2 and "'1' names 2 threads" in result.stderr


def test_kb_export_read_back_keeps_the_key(kb: Any, tmp_path: Path) -> None:
    kb("ingest", esk8_7210(), *urho_7210())
    dump = tmp_path / "export.jsonl"
    dump.write_text(kb("export").output)
    before = export(kb)
    summary = json.loads(kb("ingest", "--json", dump).output)
    assert summary["posts"]["added"] == 0, summary
    assert {r["thread_id"] for r in export(kb)} == {r["thread_id"] for r in before}


def test_thread_page_by_bare_and_full_id(tmp_path: Path) -> None:
    from kb.config import STORE_FILE
    from kb.ingest import expand, ingest, read_sources
    from kb.store.sqlite import SQLiteStore as Store
    from web import create_app

    data = tmp_path / "data"
    store = Store(data / STORE_FILE)
    ingest(read_sources(expand([str(esk8_7210()), *map(str, urho_7210())])), store)
    store.close()
    client = create_app({"TESTING": True, "KB_DATA_DIR": str(data)}).test_client()
    both = client.get("/t/7210")
    assert both.status_code == 300
    page = both.get_data(as_text=True)
    assert f"/t/{URHO}:7210 (Shadow Map Coverage Skewed to the Side)" in page
    assert f"/t/{ESK8}:7210 (Custom made CNC motor mount. Caliber | 6374)" in page
    one = client.get(f"/t/{URHO}:7210")
    assert one.status_code == 200 and "JSandusky" in one.get_data(as_text=True)
    assert "laikiux" in client.get(f"/t/{ESK8}:7210").get_data(as_text=True)
    assert client.get("/t/7211").status_code == 404


# -- a store schema 3 wrote ---------------------------------------------------------------------

def _keep_apart_v3(store: Any, thread: Any) -> None:
    """What schema 3's ingest did: a second thread under a stored id got "-" and six hex digits
    unless the forums (when both known) matched and the titles shared a word."""
    import hashlib

    from kb.text import tokens

    existing = store.thread_head(thread.thread_id)
    if existing is None:
        return
    wa, wb = set(tokens(existing.title)), set(tokens(thread.title))
    if not (existing.forum and thread.forum and existing.forum != thread.forum) and (
            not wa or not wb or wa & wb):
        return
    words = " ".join(sorted(wb))
    tag = hashlib.sha1(f"{thread.forum}\0{words}".encode()).hexdigest()[:6]
    thread.thread_id = f"{thread.thread_id}-{tag}"


def schema3_store(path: Path, files: list[Path]) -> None:
    """A store as schema 3's kb left it after ingesting `files` in this order."""
    from kb.rows import part_json
    from kb.store.sqlite import SQLiteStore as Store
    from scraper import parse
    from scraper.merge import merge
    from scraper.normalise import normalise

    store = Store(path)
    with store.transaction():
        for i, file in enumerate(files):
            for thread in parse(file.read_bytes(), str(file), normalised=False):
                _keep_apart_v3(store, thread)
                store.put_part(thread.thread_id, str(file), part_json(thread))
                tid = thread.thread_id
                parts = store.parts(tid)
                store.write_thread(merge(parts) if len(parts) > 1 else normalise(thread))
            store.put_source(str(file), f"sha{i}", "discourse", 1, 1)
    store.close()
    db = sqlite3.connect(path)
    db.executescript("DROP TABLE thread_keys; PRAGMA user_version = 3;")
    db.close()


def test_schema3_store_migrates(kb: Any, data_dir: Path) -> None:
    from kb.config import STORE_FILE

    schema3_store(data_dir / STORE_FILE, [esk8_7210(), *urho_7210()])
    old = sqlite3.connect(data_dir / STORE_FILE)
    keys = [r[0] for r in old.execute("SELECT thread_id FROM threads ORDER BY thread_id")]
    old.close()
    # schema 3: esk8 kept 7210; the Urho3D topic was stored twice, JSON and raw text apart
    assert len(keys) == 3 and keys[0] == "7210" and all(k.startswith("7210-") for k in keys[1:])
    threads = json.loads(kb("threads", "--json").output)  # opening the store migrates it
    assert [(t["thread_id"], t["forum"]) for t in threads] == [
        (f"{URHO}:7210", URHO), (f"{ESK8}:7210", ESK8)]
    assert [p["author"] for p in show_json(kb, f"{URHO}:7210")][-2:] == ["SirNate0", "JSandusky"]
    assert len(show_json(kb, f"{ESK8}:7210")) == 36
    assert kb("show", "7210").exit_code == 2
    hits = json.loads(kb("search", "--json", "shadow map coverage").output)
    assert hits["hits"] and {h["thread_id"] for h in hits["hits"]} == {f"{URHO}:7210"}


def test_migrated_store_reingests_nothing_new(kb: Any, data_dir: Path) -> None:
    from kb.config import STORE_FILE
    from kb.store import SCHEMA_VERSION
    from kb.store.sqlite import SQLiteStore as Store

    files = [esk8_7210(), *urho_7210()]
    schema3_store(data_dir / STORE_FILE, files)
    store = Store(data_dir / STORE_FILE)
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    store.close()
    before = export(kb)
    summary = json.loads(kb("ingest", "--json", *files).output)  # new sha256s: parsed again
    assert summary["posts"]["added"] == summary["posts"]["removed"] == 0, summary
    assert export(kb) == before


@pytest.mark.parametrize("ref", ["", ":", "7210:", ":7210"])
def test_odd_refs_are_one_line_errors(kb: Any, ref: str) -> None:
    kb("ingest", esk8_7210(), *urho_7210())
    result = kb("show", ref)
    assert result.exit_code in (1, 2)
    assert "Traceback" not in result.output
