"""How fast, and in how much memory, a Reddit dump goes in: a made-up subreddit's comments.

    .venv/bin/python bench/reddit_dump.py [--threads 5000] [--comments 40] [--zstd]

Writes a seeded dump of `threads` submissions and `threads * comments` comments (Pushshift's
lines: string times, no names) to a temporary folder, then runs `kb ingest` of the submissions
and the comments (zstd-compressed with Pushshift's 2 GiB window with --zstd) into a fresh data
dir, and prints the posts stored, the seconds and the peak memory of the ingest
(its own process and the workers it waited for). A comments file over 64 MiB is read in
pieces (kb/pieces.py).
"""

from __future__ import annotations

import argparse
import io
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORDS = ("wheel spoke tension rim hub bearing chain brake pad cable derailleur cassette tire "
         "tube valve sealant frame fork crank pedal").split()


def write_dump(where: Path, threads: int, comments: int, zstd: bool) -> list[Path]:
    rng = random.Random(1)
    subs, coms, t0 = [], [], 1600000000
    for s in range(threads):
        sid = f"s{s:06x}"
        subs.append({"id": sid, "title": " ".join(rng.choices(WORDS, k=6)),
                     "author": f"u{rng.randint(0, 3000)}", "created_utc": t0 + s * 600,
                     "selftext": " ".join(rng.choices(WORDS, k=40)), "num_comments": comments,
                     "subreddit": "bikewrench", "score": 5})
        ids: list[str] = []
        for c in range(comments):
            cid = f"{s:05x}{c:02x}"
            parent = f"t3_{sid}" if not ids or rng.random() < 0.4 else f"t1_{rng.choice(ids)}"
            body = " ".join(rng.choices(WORDS, k=rng.randint(5, 80)))
            coms.append({"id": cid, "author": f"u{rng.randint(0, 3000)}", "body": body,
                         "created_utc": str(t0 + s * 600 + c * 60 + 1), "link_id": f"t3_{sid}",
                         "parent_id": parent, "score": 1, "subreddit": "bikewrench"})
            ids.append(cid)
    rs, rc = where / "RS_bikewrench.ndjson", where / "RC_bikewrench.ndjson"
    rs.write_text("".join(json.dumps(x) + "\n" for x in subs))
    lines = "".join(json.dumps(x) + "\n" for x in coms).encode()
    if not zstd:
        rc.write_bytes(lines)
        return [rs, rc]
    import zstandard

    params = zstandard.ZstdCompressionParameters.from_level(3, window_log=31)
    packed = where / "RC_bikewrench.zst"
    with packed.open("wb") as out:
        zstandard.ZstdCompressor(compression_params=params).copy_stream(io.BytesIO(lines), out)
    return [rs, packed]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=5000)
    ap.add_argument("--comments", type=int, default=40)
    ap.add_argument("--zstd", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        files = write_dump(Path(tmp), args.threads, args.comments, args.zstd)
        sizes = ", ".join(f"{f.name} {f.stat().st_size / 1e6:.1f} MB" for f in files)
        kb = [str(ROOT / ".venv" / "bin" / "kb"), "--data-dir", str(Path(tmp) / "data")]
        start = time.perf_counter()
        done = subprocess.run([*kb, "ingest", "--json", *map(str, files)], capture_output=True,
                              text=True, check=False)
        seconds = time.perf_counter() - start
        if done.returncode:
            sys.exit(done.stderr or done.stdout)
        posts = json.loads(done.stdout)["posts"]["added"]
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"{sizes}: {posts} posts in {seconds:.1f} s ({posts / seconds:,.0f} posts/s), "
              f"peak {peak:,.0f} MB")


if __name__ == "__main__":
    main()
