"""Saved pages decoded by their bytes: UTF-8 wins, Latin-1 means Windows-1252, and text that
was UTF-8 read as Windows-1252 upstream ("thatâ€™s") is repaired."""

from __future__ import annotations

import scraper
from scraper.html import decode
from tests.conftest import shared


def test_utf8_wins_and_latin1_means_windows_1252() -> None:
    assert decode("naïve ‘quotes’".encode()) == "naïve ‘quotes’"
    latin = '<meta charset="iso-8859-1"><p>caf\xe9 \x93ok\x94</p>'.encode("latin-1")
    assert "café “ok”" in decode(latin)


def test_mojibake_is_repaired_and_clean_text_left_alone() -> None:
    assert decode("thatâ€™s great â€¦ cafÃ©".encode()) == "that’s great … café"
    clean = "Ã is a letter too, and so is â in pâté"
    assert decode(clean.encode()) == clean


def test_a_wayback_capture_with_mojibake_reads_clean() -> None:
    path = shared("theavalanches-phpbb-wayback", "forum", "t1294_s20",
                  "20200914054644_4ded8807.html")
    data = path.read_bytes()
    assert "â€" in data.decode("utf-8")  # the capture itself holds the garbled bytes
    posts = [p for t in scraper.parse(data, str(path)) for p in t.posts]
    assert posts and not any("â€" in p.body for p in posts)
    assert any("…" in p.body or "’" in p.body for p in posts)


def test_windows_1252_read_as_latin_1_upstream_is_repaired() -> None:
    # U+0092 (a C1 control) where "’" was meant: a crawler stored Windows-1252 bytes as Latin-1
    # and wrote the text out as UTF-8. Valid UTF-8 still wins; the controls become what
    # Windows-1252 gives their bytes, the five it leaves undefined stay as they are.
    assert decode("I\x92ve \x93read\x94 it \x96 twice\x81".encode()) == "I’ve “read” it – twice\x81"
    page = "<meta charset=iso-8859-2><p>I\x92ve</p>".encode("latin-1")  # the same in 8859-2
    assert "I’ve" in decode(page)
