"""The chat word filter: a configurable Indonesian and English list, whole words, obfuscations folded."""

from __future__ import annotations

import pytest

from makaverse.server.service_config import DEFAULT_WORDS_FILE, WORDFILTER_ENV, load_wordfilter, wordfilter_from_file
from makaverse.server.services.wordfilter import WordFilter, fold_word


@pytest.fixture(scope="module")
def packaged() -> WordFilter:
    return wordfilter_from_file(env={})


@pytest.mark.parametrize(
    "text,masked",
    [
        ("Dasar goblok kamu", "Dasar ****** kamu"),
        ("DASAR GOBLOK", "DASAR ******"),
        ("what the fuck", "what the ****"),
        ("bangsatnya lari", "********** lari"),
        ("that's bullshit.", "that's ********."),
    ],
)
def test_listed_words_are_masked_in_both_languages(packaged, text, masked):
    """Listed Indonesian and English words, in any case and with Indonesian suffixes, become asterisks of the same length."""
    assert packaged.mask(text) == masked
    assert len(packaged.mask(text)) == len(text)


@pytest.mark.parametrize(
    "text,masked",
    [
        ("fuuuuuck", "********"),
        ("gooobloookkk", "************"),
        ("g0bl0k", "******"),
        ("b4ngs4t", "*******"),
        ("$hit", "****"),
        ("sh!t!", "****!"),
        ("f.u.c.k you", "*.*.*.* you"),
        ("g o b l o k", "* * * * * *"),
        ("fück", "****"),
    ],
)
def test_simple_obfuscations_are_caught(packaged, text, masked):
    """Repeated letters, look-alike digits and symbols, accents and spelled-out letters are folded before matching."""
    assert packaged.mask(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "Pantai Losari indah sekali",
        "Scunthorpe and Penistone",
        "a classic cocktail at the assembly",
        "shiitake mushrooms",
        "Assalamualaikum, selamat pagi",
        "a b c d e",
        "ani@example.com",
    ],
)
def test_innocent_text_passes_unchanged(packaged, text):
    """Whole-word matching leaves words that merely contain a listed word alone."""
    assert packaged.mask(text) == text
    assert not packaged.contains(text)


def test_fold_word():
    """Folding lowers case, drops accents, reads look-alikes and squeezes repeated letters."""
    assert fold_word("FÜÜÜCK") == "fuck"
    assert fold_word("G0BL0KKK") == "goblok"
    assert fold_word("ass") == fold_word("as")  # why short words with double letters stay off the list


def test_a_custom_list_from_a_file_via_the_environment(tmp_path):
    """MAKAVERSE_WORDFILTER_FILE replaces the packaged list; comments and blank lines are ignored."""
    words = tmp_path / "words.txt"
    words.write_text("# mine\n\nkopi\nteh*\n", encoding="utf-8")
    f = wordfilter_from_file(env={WORDFILTER_ENV: str(words)})
    assert len(f) == 2
    assert f.mask("kopi teh tehnya goblok") == "**** *** ****** goblok"
    assert wordfilter_from_file(str(words), env={}).mask("KOPI") == "****"


def test_an_unreadable_list_means_no_filter_rather_than_no_chat(tmp_path):
    """A missing word list loads as an empty filter (and is logged) so chat still works."""
    f = load_wordfilter(str(tmp_path / "missing.txt"), env={})
    assert len(f) == 0 and f.mask("goblok") == "goblok"


def test_an_empty_list_changes_nothing():
    """With no words the text is returned as it came."""
    f = WordFilter(["# nothing", ""])
    assert len(f) == 0 and f.mask("goblok") == "goblok"


def test_the_packaged_list_is_short_and_bilingual():
    """The packaged list stays small and has both Indonesian and English entries."""
    lines = [line.strip() for line in DEFAULT_WORDS_FILE.read_text(encoding="utf-8").splitlines()]
    entries = [line for line in lines if line and not line.startswith("#")]
    assert 10 <= len(entries) <= 60
    assert "goblok*" in entries and "fuck*" in entries
