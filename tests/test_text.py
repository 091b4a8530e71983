"""Words in any script: folding, exact spelling first, CJK bigrams, snippets, spelling shown as
words, and an old data dir reindexed when the analysis changes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from kb import arrays as saved
from kb.ingest import ingest, read_sources
from kb.knowledge import KB
from kb.query import phrase_matches
from kb.search import search, snippet
from kb.text import ANALYSIS_VERSION, fold, tokens, word_spans, words
from tests.conftest import FIXTURES

UNICODE = FIXTURES / "jsonl" / "unicode.jsonl"


@pytest.fixture
def kb(tmp_path: Path) -> KB:
    k = KB(tmp_path / "kb")
    ingest(read_sources([str(UNICODE)]), k.store)
    k.sync()
    return k


def threads(kb: KB, q: str) -> list[str]:
    return [h.thread_id for h in search(kb, q).hits]


def test_ascii_text_analysed_as_before() -> None:
    # Porter stems, English stop words and possessives out, underscores split: as kb always did.
    assert tokens("The VESC's batteries don't charge_fast, it's 10s4p") == [
        "vesc", "batteri", "charg", "fast", "10s4p"]
    assert words("Don't STOP_now") == ["don't", "stop", "now"]


def test_accents_fold_and_the_spelling_is_kept() -> None:
    assert tokens("Kölsch") == ["kolsch", "kölsch"]
    assert tokens("crème brûlée") == ["creme", "crème", "brule", "brûlée"]
    assert tokens("cre\u0300me") == tokens("crème")  # decomposed accents are one word too
    assert tokens("Łódź smørrebrød") == ["lodz", "łódź", "smorrebrod", "smørrebrød"]
    assert fold("Ἑλλάς") == "ελλασ" and fold("أَهْلًا") == "اهلا" and fold("ёлка") == "елка"
    assert tokens("2½ m²")[0] == "2½"  # a fraction is not folded into another number


def test_other_scripts_are_words() -> None:
    assert tokens("Какое ПИВО лучше?") == ["какое", "пиво", "лучше"]
    assert tokens("θάλασσα") == ["θαλασσα", "θάλασσα"]
    assert tokens("قهوة عربية") == ["قهوة", "عربية"]
    assert tokens("हिन्दी") == ["हिन्दी"]  # Indic vowel signs stay with their letters
    assert tokens("東京タワー") == ["東京", "京タ", "タワ", "ワー"]
    assert tokens("서울 여행") == ["서울", "여행"]
    # Emoji with a variation selector are not words; curly apostrophes are apostrophes.
    assert tokens("it’s fine ☺️") == tokens("it's fine")


def test_words_fold_for_phrases() -> None:
    assert words("Crème BRÛLÉE!") == ["creme", "brulee"]
    assert phrase_matches("creme brulee", "My crème brûlée never sets")
    assert phrase_matches("タワー", "東京タワーの近く")


def test_word_spans_agree_with_tokens() -> None:
    text = "Kölsch, пиво and 東京タワー; it’s the VESC’s"
    made = [t for _, _, terms in word_spans(text) if len(terms) for t in terms]
    cjk = {"東京", "京タ", "タワ", "ワー"}
    assert [t for t in made if t not in cjk] == [t for t in tokens(text) if t not in cjk]
    assert {text[s:e] for s, e, terms in word_spans(text) if "kolsch" in terms} == {"Kölsch"}


def test_accented_words_found_without_accents(kb: KB) -> None:
    assert threads(kb, "creme brulee")[0] == "uni-dessert"
    assert threads(kb, "crème brûlée")[0] == "uni-dessert"
    assert set(threads(kb, "kolsch")) == {"uni-beer-1", "uni-beer-2"}


def test_accented_query_no_longer_matches_ascii_pieces(kb: KB) -> None:
    # `crème` used to be cut to `cr` + `me` and found the MathJax post; `Kölsch` found "k d tree".
    assert "uni-mathjax" not in threads(kb, "crème")
    assert "uni-kdtree" not in threads(kb, "Kölsch")


def test_exact_spelling_ranks_first(kb: KB) -> None:
    r = search(kb, "Kölsch")
    assert [h.thread_id for h in r.hits] == ["uni-beer-1", "uni-beer-2"]
    assert r.hits[0].score > r.hits[1].score * 1.2
    r = search(kb, "Kolsch")  # typed without the accent, the posts spelt so come first
    assert [h.thread_id for h in r.hits] == ["uni-beer-2", "uni-beer-1"]


def test_cyrillic_greek_arabic_found(kb: KB) -> None:
    assert threads(kb, "пиво")[0] == "uni-pivo"
    assert threads(kb, "ПИВО")[0] == "uni-pivo"
    assert threads(kb, "темное")[0] == "uni-pivo"  # ё folds to е
    assert threads(kb, "θαλασσα") == ["uni-greek"]
    assert threads(kb, "θάλασσα") == ["uni-greek"]
    assert threads(kb, "قهوة")[0] == "uni-arabic"


def test_cjk_found_by_bigrams(kb: KB) -> None:
    assert threads(kb, "東京タワー") == ["uni-tokyo"]
    assert threads(kb, "ラーメン") == ["uni-tokyo"]
    assert threads(kb, "京都") == ["uni-kyoto"]
    assert threads(kb, "비빔밥") == ["uni-korean"]
    assert threads(kb, '"ラーメン屋"') == ["uni-tokyo"]  # a phrase of them too


def test_cli_search_finds_them(kb: KB) -> None:
    from click.testing import CliRunner

    from kb.cli import main

    def found(q: str) -> list[str]:
        out = CliRunner().invoke(main, ["--data-dir", str(kb.data_dir), "search", "--json", q])
        assert out.exit_code == 0, out.output
        return [h["thread_id"] for h in json.loads(out.output)["hits"]]

    assert found("creme")[0] == "uni-dessert"
    assert found("Kölsch")[:2] == ["uni-beer-1", "uni-beer-2"]
    assert found("пиво") == ["uni-pivo"]


def test_snippets_mark_what_matched(kb: KB) -> None:
    hit = search(kb, "creme").hits[0]
    assert "**crème**" in hit.snippet
    hit = search(kb, "ラーメン").hits[0]
    assert "**ラーメン**" in hit.snippet  # overlapping bigrams, one mark
    assert "**Kölsch**" in snippet("A proper Kölsch, cold.", set(tokens("kolsch")))


def test_spelling_fix_shown_as_a_word(kb: KB) -> None:
    r = search(kb, "kolsh")
    assert r.corrected == {"kolsh": "kolsch"}
    assert search(kb, "пивв").corrected == {"пивв": "пиво"}  # Cyrillic letters for Cyrillic words
    assert "uni-pivo" in threads(kb, "пивв")


def test_old_analysis_reindexed_on_open(tmp_path: Path) -> None:
    k = KB(tmp_path / "kb")
    ingest(read_sources([str(UNICODE)]), k.store)
    k.sync()
    # Fake a data dir of the ASCII-only analysis: counts without (or with an older) version,
    # and an index holding the old pieces of the words.
    got = saved.load(k.counts.path)
    assert got is not None
    meta, arrays = got
    saved.save(k.counts.path, {n: np.array(a) for n, a in arrays.items()},
               {**meta, "analysis": ANALYSIS_VERSION - 1})
    k.close()

    again = KB(tmp_path / "kb")
    assert again.needs_sync()  # the old counts and index are dropped
    assert again.ensure_fresh() == again.store.stats()["posts"]
    assert threads(again, "Kölsch")[0] == "uni-beer-1"
    assert threads(again, "author:dina kolsch") == ["uni-beer-1"]  # Whoosh's index rebuilt too
    again.close()
    third = KB(tmp_path / "kb")
    assert not third.needs_sync()  # migrated once, not at every open
    third.close()
