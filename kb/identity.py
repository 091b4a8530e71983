"""Which forum a thread comes from, and the store's key for it.

A thread is (forum, the forum's own thread id): topic 7210 of discourse.urho3d.io and topic 7210
of electric-skateboard.builders are two threads. The forum is the host the file names (a URL,
an avatar path, a Stack Exchange site folder named for its host); a dump whose files name none
(Discourse /raw and markdown dumps) gets the one site its README links to (`dump_site`); failing
both, a Stack Exchange Posts.xml is its folder's site ("cstheory-meta") and any other file its
format, so two host-less dumps of different shapes still stay apart.

The store's key (`thread_id`, what `kb show`, `/t/<id>` and `thread:` take) is the bare id while
only one forum has that id, and `forum:id` for every forum once two share it (`Store.thread_key`):
a link never lands on the wrong forum's thread, and whichever forum came in first, the keys end
the same. Keys are given once: a later file changes a key only by bringing a second forum's
thread with the same id.
"""

from __future__ import annotations

import hashlib
import os
import re
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from scraper.models import Thread

if TYPE_CHECKING:
    from kb.store import Store

# How far above an input file its dump's README may sit: esk8's topics are four folders down
# (view/categories/<category>/topics/). Further up are folders holding many dumps.
README_LEVELS = 4
_READMES = ("README.md", "README.txt", "README")
# A site is named with a scheme or "www." ("discourse.urho3d.io" alone could be a file name).
_SITE = re.compile(r"(?:https?://|\bwww\.)((?:[a-z0-9-]+\.)+[a-z][a-z0-9-]*[a-z0-9])\b", re.I)
# Formats whose one file holds a whole site: a Stack Exchange dump is one folder per site.
SITE_FILES = {"stackexchange-xml"}
# Hosts a README links to that are where the dump lives, not the forum it holds.
_NOT_FORUMS = {"github.com", "gitlab.com", "bitbucket.org", "web.archive.org", "archive.org"}


def forum_host(host: str) -> str:
    """One spelling per host: lower case, no "www.", no port."""
    host = host.strip().lower().split(":", 1)[0]
    return host[4:] if host.startswith("www.") else host


def input_dir(source_path: str) -> Path | None:
    """The folder an input file lies in (an archive member: the archive's folder)."""
    path = source_path.split("!", 1)[0]
    return _folder(os.path.dirname(path)) if os.path.isfile(path) else None  # stdin, corpus


@lru_cache(maxsize=1024)
def _folder(name: str) -> Path:  # one Path per folder, not one per file
    return Path(name)


@lru_cache(maxsize=1024)
def dump_site(folder: Path | None) -> str | None:
    """The forum host the dump's README names: the nearest README at or above `folder`
    (README_LEVELS up) decides; one naming no site or several leaves the site unknown."""
    if folder is None:
        return None
    here = folder.resolve()
    for _ in range(README_LEVELS + 1):
        for name in _READMES:
            try:
                text = (here / name).read_text(encoding="utf-8", errors="replace")[:20000]
            except OSError:
                continue
            hosts = {forum_host(h) for h in _SITE.findall(text)} - _NOT_FORUMS
            if hosts:
                return hosts.pop() if len(hosts) == 1 else None
        if here.parent == here or (here / ".git").exists():  # a checkout is not a dump
            break
        here = here.parent
    return None


def forum_of(thread: Thread, source_path: str) -> str:
    """The forum `thread` belongs to: its own host, its dump's site, else its format (a
    whole-site file, Stack Exchange's Posts.xml: its folder, as the dumps name one per site)."""
    if thread.forum:
        return forum_host(thread.forum)
    site = dump_site(input_dir(source_path))
    if site:
        return site
    if thread.format in SITE_FILES:
        folder = site_folder(source_path)
        if folder:
            return folder
    return thread.format or "unknown"


def site_folder(source_path: str) -> str | None:
    """The folder a whole-site file sits in ("cstheory-meta" of cstheory-meta/Posts.xml; an
    archive's name when the file is at its top)."""
    outer, _, member = source_path.partition("!")
    parent = PurePosixPath(member.replace("\\", "/")).parent.name if member else ""
    if not parent and not outer.startswith("stdin:"):
        path = Path(outer)
        parent = path.name.split(".")[0] if member else path.parent.name
    return parent or None


def own_id(thread_id: str, forum: str) -> str:
    """The forum's own id of a thread: a `kb export` line carries the qualified key back."""
    prefix = f"{forum}:"
    return thread_id[len(prefix):] if thread_id.startswith(prefix) else thread_id


def qualified(forum: str, own: str) -> str:
    """The key that names a thread whatever else the store holds."""
    return f"{forum}:{own}"


def old_own_id(key: str, part: Thread, keys: set[str]) -> str:
    """The forum's id behind a key schema 3 gave: its `_keep_apart` added "-" and six hex
    digits of sha1(forum as parsed, title words) to an id that another thread held (`part`
    as parsed; when the words no longer hash the same, the other thread's key decides)."""
    head, dash, tag = key.rpartition("-")
    if not dash or not re.fullmatch(r"[0-9a-f]{6}", tag):
        return key
    from kb.text import tokens

    words = " ".join(sorted(set(tokens(part.title))))
    if hashlib.sha1(f"{part.forum}\0{words}".encode()).hexdigest()[:6] == tag or head in keys:
        return head
    return key


def rekey(store: Store) -> None:
    """Work every thread's forum and key out again from what each file's parser produced,
    and rebuild the threads whose key or parts that changes (schema 3 -> 4)."""
    from scraper.merge import merge
    from scraper.normalise import normalise

    rows = store.all_parts()
    keys = {key for _, key, _, _ in rows}
    groups: dict[tuple[str, str], list[tuple[int, str, Thread]]] = {}
    members: dict[str, set[int]] = {}
    for seq, key, path, part in rows:
        own = old_own_id(key, part, keys)
        part.forum = forum_of(part, path)
        own = own_id(own, part.forum)
        groups.setdefault((part.forum, own), []).append((seq, key, part))
        members.setdefault(key, set()).add(seq)
    forums: dict[str, int] = {}
    for _, own in groups:
        forums[own] = forums.get(own, 0) + 1
    stored = store.thread_ids()
    new_keys = set()
    for (forum, own), parts in groups.items():
        new = own if forums[own] == 1 else qualified(forum, own)
        new_keys.add(new)
        store.register_key(new, forum, own)
        for seq, _, part in parts:
            part.thread_id = new
            store.set_part(seq, part)
        seqs = {seq for seq, _, _ in parts}
        if new in stored and members.get(new) == seqs:
            store.set_thread_forum(new, forum)
            continue
        threads = [p for _, _, p in parts]
        thread = merge(threads) if len(threads) > 1 else normalise(threads[0])
        thread.thread_id = new
        store.write_thread(thread)
    for key in (stored & set(members)) - new_keys:  # a thread no part holds stays as it was
        store.drop_thread(key)
