"""Ingest: merging pages, re-ingest, changed files, hostile input, archives, stdin."""

from __future__ import annotations

import io
import json
import tarfile
import zipfile
from pathlib import Path

from tests.conftest import FIXTURES, SEED

P1 = FIXTURES / "vbulletin_text" / "sprint-drills-p1.txt"
P2 = FIXTURES / "vbulletin_text" / "sprint-drills-p2.txt"
TID = "best-sprint-drills-for-beginners"


def export(kb) -> list[dict]:  # type: ignore[no-untyped-def]
    out = kb("export").output
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def test_export_has_the_required_keys(kb) -> None:  # type: ignore[no-untyped-def]
    kb("ingest", SEED)
    rows = export(kb)
    assert len(rows) == 10
    for key in ("thread_id", "thread_title", "thread_posts_declared", "post_number", "author",
                "author_source", "author_title", "author_joined", "author_location",
                "author_posts", "posted_at", "body", "quotes", "signature", "url", "source"):
        assert key in rows[0]
    assert rows[0]["source"] == {"path": str(SEED), "format": "vbulletin-text", "page": 1}
    assert rows[7]["quotes"][0] == {"author": "lr1400", "post_number": 7,
                                    "text": rows[6]["body"]}


def test_pages_merge_in_any_order(tmp_path: Path, kb) -> None:  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    from kb.cli import main

    assert kb("ingest", P2).exit_code == 0
    assert kb("ingest", P1).exit_code == 0
    forward = CliRunner().invoke(main, ["--data-dir", str(tmp_path / "other"), "ingest",
                                        str(P1), str(P2)])
    assert forward.exit_code == 0
    backward_rows = export(kb)
    forward_rows = [json.loads(x) for x in CliRunner().invoke(
        main, ["--data-dir", str(tmp_path / "other"), "export"]).output.splitlines()]
    # the same rows, even to the file each post's words are taken from (scraper.merge)
    key = lambda r: (r["thread_id"], r["post_number"])  # noqa: E731
    assert sorted(backward_rows, key=key) == sorted(forward_rows, key=key)
    rows = {r["post_number"]: r for r in forward_rows}
    assert sorted(rows) == [1, 2, 3, 4, 5]
    assert {r["thread_id"] for r in forward_rows} == {TID}
    # #2 shows no author; page 2's quote of its words names trackdad.
    assert (rows[2]["author"], rows[2]["author_source"]) == ("trackdad", "quote")
    assert rows[4]["quotes"][0]["post_number"] == 2
    assert rows[4]["body"] == "Agreed, wickets teach rhythm better than anything."
    assert rows[3]["signature"] == rows[4]["signature"] == "Run tall, run relaxed."
    assert rows[1]["author"] == "coachkay" and rows[1]["author_posts"] == 12


def test_reingest_changes_nothing(kb) -> None:  # type: ignore[no-untyped-def]
    first = json.loads(kb("ingest", "--json", SEED, P1).output)
    assert first["posts"]["added"] == 13
    before = export(kb)
    again = json.loads(kb("ingest", "--json", SEED, P1).output)
    assert again["files_unchanged"] == 2
    assert again["posts"]["added"] == again["posts"]["updated"] == 0
    assert export(kb) == before


def test_changed_file_updates_only_what_changed(tmp_path: Path, kb) -> None:  # type: ignore[no-untyped-def]
    page = tmp_path / "page.txt"
    page.write_bytes(P1.read_bytes())
    kb("ingest", page)
    page.write_text(P1.read_text().replace("Keep the volume low at first.",
                                           "Keep the volume very low at first."))
    summary = json.loads(kb("ingest", "--json", page).output)
    assert summary["posts"] == {"added": 0, "updated": 1, "unchanged": 2, "removed": 0}
    assert "very low" in export(kb)[1]["body"]


def test_a_file_whose_thread_changed_leaves_no_posts_of_the_old_one(tmp_path: Path, kb) -> None:  # type: ignore[no-untyped-def]
    # The file now holds another thread (a retitled topic, a parser that names threads anew):
    # the old thread, which no file holds any more, goes with its posts, in the index too.
    page = tmp_path / "page.jsonl"
    page.write_text(json.dumps({"thread_id": "old", "post_number": 1, "body": "hurdle drills"}))
    kb("ingest", page)
    page.write_text(json.dumps({"thread_id": "new", "post_number": 1, "body": "hurdle drills"}))
    summary = json.loads(kb("ingest", "--json", page).output)
    assert [r["thread_id"] for r in export(kb)] == ["new"]
    assert summary["posts"]["removed"] == 1
    found = json.loads(kb("search", "--json", "hurdle").output)
    assert [hit["thread_id"] for hit in found["hits"]] == ["new"] and found["total"] == 1


def test_hostile_input_is_skipped_and_the_rest_goes_in(tmp_path: Path, kb) -> None:  # type: ignore[no-untyped-def]
    bad = {
        "binary.html": bytes(range(256)) * 40,
        "empty.txt": b"",
        "truncated.html": b"<html><head><title>x</title></head><body><div class='post'>Hel",
        "latin1.txt": "Caf\xe9 cr\xe8me \xbfqu\xe9?".encode("latin-1") * 50,
        "big.txt": b"lorem ipsum dolor sit amet " * (50 * 1024 * 1024 // 27),
    }
    for name, data in bad.items():
        (tmp_path / name).write_bytes(data)
    paths = [tmp_path / n for n in bad]
    result = kb("ingest", "--json", *paths[:2], SEED, *paths[2:])
    assert result.exit_code == 1
    summary = json.loads(result.output)
    skipped = {Path(s["file"]).name: s["reason"] for s in summary["skipped"]}
    assert set(skipped) == set(bad)
    for reason in skipped.values():
        assert reason and "\n" not in reason and "Traceback" not in reason
    assert summary["posts"]["added"] == 10
    assert len(export(kb)) == 10


def test_a_file_the_store_refuses_is_undone_alone(tmp_path: Path, kb, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # Data the store refuses (SQLite raises ValueError or OverflowError on what it cannot
    # bind): the files before and after it in the same commit batch still go in, and that
    # file leaves nothing behind.
    from kb.store.sql import SQLStore

    write = SQLStore.write_thread

    def refusing(self, thread):  # type: ignore[no-untyped-def]
        if "refuse me" in repr(thread):
            raise OverflowError("Python int too large to convert to SQLite INTEGER")
        return write(self, thread)

    monkeypatch.setattr(SQLStore, "write_thread", refusing)
    for name, body in (("a", "before it"), ("b", "refuse me"), ("c", "after it")):
        (tmp_path / f"{name}.jsonl").write_text(json.dumps({"thread_id": name, "post_number": 1,
                                                            "body": body}))
    result = kb("ingest", "--json", str(tmp_path))
    assert result.exit_code == 1
    summary = json.loads(result.output)
    assert [Path(s["file"]).name for s in summary["skipped"]] == ["b.jsonl"]
    assert "cannot store it" in summary["skipped"][0]["reason"]
    assert sorted(r["thread_id"] for r in export(kb)) == ["a", "c"]
    assert json.loads(kb("ingest", "--json", str(tmp_path)).output)["files_unchanged"] == 2


def test_a_lone_surrogate_or_a_number_past_64_bits_goes_in(tmp_path: Path, kb) -> None:  # type: ignore[no-untyped-def]
    # JSON allows both; no store can hold them: made harmless in normalise, not the file lost.
    (tmp_path / "b.jsonl").write_text('{"thread_id": "b", "post_number": 99999999999999999999, '
                                      '"body": "x \\ud800 y"}')
    assert kb("ingest", str(tmp_path)).exit_code == 0
    [row] = export(kb)
    assert (row["body"], row["post_number"]) == ("x \ufffd y", 1)


def test_human_summary_and_exit_codes(tmp_path: Path, kb) -> None:  # type: ignore[no-untyped-def]
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    result = kb("ingest", SEED, empty)
    assert result.exit_code == 1
    assert "10 added" in result.output
    assert f"skipped {empty}: empty file" in result.stderr
    assert kb("ingest", tmp_path / "missing.txt").exit_code == 2
    assert kb("ingest", "--format", "nonsense", SEED).exit_code == 2
    assert kb("ingest", "--format", "vbulletin-text", SEED).exit_code == 0


def test_folders_archives_and_stdin(tmp_path: Path, kb) -> None:  # type: ignore[no-untyped-def]
    zpath = tmp_path / "pages.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        zf.write(P1, "dump/p1.txt")
        zf.writestr("dump/README.txt", "not a thread, just notes")
    tpath = tmp_path / "pages.tar.gz"
    with tarfile.open(tpath, "w:gz") as tf:
        tf.add(P2, "dump/p2.txt")
    folder = tmp_path / "folder"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "seed.txt").write_bytes(SEED.read_bytes())
    summary = json.loads(kb("ingest", "--json", zpath, tpath, folder).output)
    assert summary["posts"]["added"] == 15 and not summary["skipped"]
    assert [i["file"] for i in summary["ignored"]] == [f"{zpath}!dump/README.txt"]
    rows = export(kb)
    assert len(rows) == 15
    line = json.dumps({"thread_id": "own-1", "post_number": 1, "body": "My own data."})
    result = kb("ingest", "--json", "-", input=line + "\n")
    assert json.loads(result.output)["posts"]["added"] == 1


def test_export_ingest_round_trip(tmp_path: Path, kb) -> None:  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    from kb.cli import main

    kb("ingest", SEED, P1, P2)
    dump = tmp_path / "dump.jsonl"
    dump.write_text(kb("export").output)
    other = ["--data-dir", str(tmp_path / "copy")]
    assert CliRunner().invoke(main, [*other, "ingest", str(dump)]).exit_code == 0
    again = CliRunner().invoke(main, [*other, "export"]).output
    strip = lambda text: [{k: v for k, v in json.loads(x).items() if k != "source"}  # noqa: E731
                          for x in text.splitlines()]
    assert strip(again) == strip(dump.read_text())


def test_empty_store_gets_the_bundled_corpus(kb) -> None:  # type: ignore[no-untyped-def]
    result = kb("stats", "--json")
    assert "bundled example corpus" in result.stderr
    assert json.loads(result.stdout)["posts"] == 10
    shown = kb("show", "is-leg-strenth-training-necessary-for-a-400m-runner#7")
    assert "lr1400" in shown.output and "2-3x3-6" in shown.output
    assert kb("show", "no-such-thread").exit_code == 1


def test_minimal_jsonl_needs_three_keys(tmp_path: Path, kb) -> None:  # type: ignore[no-untyped-def]
    lines = [{"thread_id": 7, "post_number": 1, "body": "How do I fix a flat?"},
             {"thread_id": 7, "post_number": 2, "body": "Patch kit.", "author": "al"}]
    good = tmp_path / "mine.jsonl"
    good.write_text("\n".join(json.dumps(x) for x in lines))
    bad = tmp_path / "broken.jsonl"
    bad.write_text(json.dumps(lines[0]) + "\n{not json\n")
    result = kb("ingest", "--json", good, bad)
    summary = json.loads(result.output)
    assert summary["posts"]["added"] == 2
    assert summary["skipped"][0]["reason"].startswith("line 2: invalid JSON")
    rows = export(kb)
    assert rows[1]["author"] == "al" and rows[1]["author_source"] == "page"
    assert rows[0]["author"] is None


__all__ = ["io"]
