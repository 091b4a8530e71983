"""Stack Exchange authors from the dump's Users.xml, when it lies beside Posts.xml (issue 11).

No dump under ../shared/data ships a Users.xml, so these use the hand-made tea fixture.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import scraper.stackexchange as se

FIXTURES = Path(__file__).parent / "fixtures" / "stackexchange"
TEA = FIXTURES / "tea.stackexchange.com" / "Posts.xml"


def site_with_users(tmp_path: Path) -> Path:
    site = tmp_path / "tea.stackexchange.com"
    site.mkdir()
    shutil.copy(TEA, site / "Posts.xml")
    shutil.copy(FIXTURES / "Users.xml", site / "Users.xml")
    return site / "Posts.xml"


def test_users_xml_is_read_into_members() -> None:
    members = se.users((FIXTURES / "Users.xml").read_bytes())
    assert members == {"3": se.User("Leaf Lover", None, "2019-12-01"),
                       "5": se.User("Kettle Keeper", None, "2019-12-02")}


def test_a_sibling_users_xml_names_the_authors(tmp_path: Path) -> None:
    posts_xml = site_with_users(tmp_path)
    threads = {t.thread_id: t for t in se.parse(posts_xml.read_bytes(), str(posts_xml))}
    posts = threads["10"].posts
    # Question by user 3, answers by 5, by a deleted user named in the row, by 9 (not in Users).
    assert [p.author for p in posts] == ["Leaf Lover", "Kettle Keeper", "user77", None]
    assert posts[0].author_source == "page" and posts[0].author_joined == "2019-12-01"
    assert posts[3].author_source is None


def test_without_a_sibling_users_xml_authors_stay_as_the_dump_names_them(tmp_path: Path) -> None:
    posts = {t.thread_id: t for t in se.parse(TEA.read_bytes(), str(TEA))}["10"].posts
    assert [p.author for p in posts] == [None, None, "user77", None]
    assert se.sibling_users("") == {} and se.sibling_users(str(tmp_path / "Posts.xml")) == {}
    broken = tmp_path / "Users.xml"
    broken.write_text("<users><row Id='3' DisplayName='x'")  # truncated: ignored, not fatal
    assert se.sibling_users(str(tmp_path / "Posts.xml")) == {}


def test_kb_ingest_of_a_dump_folder_shows_member_names(kb: Any, tmp_path: Path) -> None:
    posts_xml = site_with_users(tmp_path)
    r = kb("ingest", posts_xml.parent)
    assert r.exit_code == 0, r.output
    shown = kb("show", "10", "--json")
    authors = [p["author"] for p in json.loads(shown.output)]
    assert authors[:2] == ["Leaf Lover", "Kettle Keeper"]
