"""Reading grade of survey statements: Flesch–Kincaid, with a small syllable counter.

Why our own counter: the usual package (textstat) fetches a pronouncing
dictionary on first use, which fails offline and in CI. Survey statements are
short, plain English, so a rule-based count is close enough to hold a bank to
"median grade 8 or less, none above 10"; the known answers in
tests/test_bank_quality.py pin it down.

The rules (English spelling, simplified):

1. Every run of vowels (a, e, i, o, u, y) is one syllable: "build" 1, "customer" 3.
2. A final silent "e" does not count ("make", "there"), unless it ends "-le" after a
   consonant ("people", "little") or is part of a longer run ("agree", "free").
3. "-ed" after a consonant other than t or d is silent ("asked", "planned"; but "started").
4. "-es" after a consonant other than c, g, s, x, z, ch or sh is silent ("makes",
   "features"; but "changes", "uses").
5. Every word has at least one syllable; a hyphenated word counts its parts ("kick-off" 2).

It miscounts some words by one ("business" 3, "create" 1, "idea" 2); over a bank
the errors go both ways and move a grade by a few tenths at most.

Flesch–Kincaid grade = 0.39 · words/sentences + 11.8 · syllables/words − 15.59.
"""

from __future__ import annotations

import re

__all__ = ["fk_grade", "syllables", "words"]

_VOWEL_RUN = re.compile(r"[aeiouy]+")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)")


def _silent_ed(part: str) -> bool:
    return part.endswith("ed") and part[-3] not in "aeiouytd"


def _silent_es(part: str) -> bool:
    return (
        part.endswith("es")
        and part[-3] not in "aeiouycgsxz"
        and not part.endswith(("ches", "shes"))
    )


def _part_syllables(part: str) -> int:
    count = len(_VOWEL_RUN.findall(part))
    if len(part) > 2 and part.endswith("e") and part[-2] not in "aeiouy":
        if not (part.endswith("le") and part[-3] not in "aeiouy"):
            count -= 1
    elif len(part) > 3 and (_silent_ed(part) or _silent_es(part)):
        count -= 1
    return max(1, count)


def syllables(word: str) -> int:
    """Syllables in one word, by the rules in the module docstring.

    >>> [syllables(w) for w in ("build", "customer", "people", "asked", "changes", "kick-off")]
    [1, 3, 2, 1, 2, 2]
    """
    letters = re.sub(r"['’]", "", word.lower())
    return sum(_part_syllables(part) for part in letters.split("-") if part)


def words(text: str) -> list[str]:
    """The words of `text`: runs of letters, with inner apostrophes or hyphens; no numbers."""
    return _WORD.findall(text)


def fk_grade(text: str) -> float:
    """Flesch–Kincaid grade level of `text` (one or more sentences).

    >>> round(fk_grade("We keep one prioritised list of what to build next."), 1)
    2.5
    """
    found = words(text)
    if not found:
        return 0.0
    sentences = max(1, len(_SENTENCE_END.findall(text.strip())))
    total = sum(syllables(word) for word in found)
    return 0.39 * len(found) / sentences + 11.8 * total / len(found) - 15.59
