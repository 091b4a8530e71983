"""The anchors: plain BM25 over whole documents, independent of kb's index and fusion.

Documents and queries go through kb's own analyser (kb.text.tokens: stop words out, Porter
stems), so an anchor differs from kb's rankers in the ranking model only, not in what a term is.
bm25s (Lucene BM25, k1=1.5, b=0.75) when installed; otherwise BM25F (k1=1.2, b=0.75) of Whoosh
over a throwaway index in a temporary folder.
"""

from __future__ import annotations

import tempfile
from typing import Any

from kb.text import tokens

Rankings = dict[str, list[str]]  # qid -> doc keys, best first


def implementation() -> str:
    """Which BM25 the anchors use, for the report."""
    try:
        import bm25s
    except ImportError:
        return "Whoosh BM25F (k1=1.2, b=0.75), temporary index"
    return f"bm25s {bm25s.__version__} (Lucene BM25, k1=1.5, b=0.75)"


def bm25_rank(docs: dict[str, str], queries: dict[str, str], k: int = 100) -> Rankings:
    """Each query's top `k` document keys (documents scoring 0 left out)."""
    keys = sorted(docs)
    analysed = [tokens(docs[key]) for key in keys]
    try:
        import bm25s  # noqa: F401
    except ImportError:
        return _whoosh(keys, analysed, queries, k)
    return _bm25s(keys, analysed, queries, k)


def _bm25s(keys: list[str], analysed: list[list[str]], queries: dict[str, str],
           k: int) -> Rankings:
    import bm25s

    model = bm25s.BM25(k1=1.5, b=0.75)
    model.index(analysed, show_progress=False)
    qids = sorted(queries)
    found, scores = model.retrieve([tokens(queries[q]) or [""] for q in qids],
                                   k=min(k, len(keys)), show_progress=False, n_threads=1)
    return {qid: [keys[int(d)] for d, s in zip(found[i], scores[i]) if s > 0]
            for i, qid in enumerate(qids)}


def _whoosh(keys: list[str], analysed: list[list[str]], queries: dict[str, str],
            k: int) -> Rankings:
    from whoosh import fields, index
    from whoosh import query as Q
    from whoosh.analysis import SpaceSeparatedTokenizer
    from whoosh.scoring import BM25F

    schema = fields.Schema(key=fields.ID(stored=True),
                           text=fields.TEXT(analyzer=SpaceSeparatedTokenizer(), phrase=False))
    out: Rankings = {}
    with tempfile.TemporaryDirectory(prefix="kb-bm25-") as tmp:
        ix = index.create_in(tmp, schema)
        writer = ix.writer()
        for key, words in zip(keys, analysed):
            writer.add_document(key=key, text=" ".join(words))
        writer.commit()
        with ix.searcher(weighting=BM25F(B=0.75, K1=1.2)) as s:
            for qid in sorted(queries):
                terms: list[Any] = [Q.Term("text", t) for t in dict.fromkeys(tokens(queries[qid]))]
                hits = s.search(Q.Or(terms), limit=k) if terms else []
                out[qid] = [hit["key"] for hit in hits]
        ix.close()
    return out
