"""Vietnamese text: NFC normalisation, accent-free folding for search, and sort keys.

Sort keys are plain ASCII strings so that both SQLite (binary) and PostgreSQL (``COLLATE "C"``)
order them byte by byte, exactly as Python does.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# The Vietnamese alphabet with the Latin letters of foreign names slotted in (f, j, w, z).
_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
# Tone marks in dictionary order: ngang, huyền, hỏi, ngã, sắc, nặng.
_TONES = {"\u0300": "1", "\u0309": "2", "\u0303": "3", "\u0301": "4", "\u0323": "5"}
# Marks that make a distinct letter rather than a tone.
_LETTER_MARKS = {"\u0306", "\u0302", "\u031b"}  # breve (ă), circumflex (â ê ô), horn (ơ ư)

# Separators chosen below every letter and digit: end of key < word gap < characters.
_KEY_END = "!"
_WORD_GAP = "#"
_LETTER_CODE = {ch: chr(0x41 + i) for i, ch in enumerate(_ALPHABET)}

_SPACES = re.compile(r"\s+")


def nfc(text: str) -> str:
    """NFC form with runs of white space collapsed: how every name is stored."""
    if not unicodedata.is_normalized("NFC", text):  # the check is much cheaper than normalising
        text = unicodedata.normalize("NFC", text)
    return " ".join(text.split())  # str.split and re's \s agree on what white space is


def fold(text: str | None) -> str:
    """Lower-case, accent-free form for search: "Đỗ Đức Đạt" -> "do duc dat"."""
    if not text:
        return ""
    if text.isascii():
        return _SPACES.sub(" ", text.casefold()).strip()
    return " ".join(_fold_word(word) for word in text.split())


@lru_cache(maxsize=65536)
def _fold_word(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return _SPACES.sub(" ", stripped.casefold()).strip()


@lru_cache(maxsize=65536)
def _split_letters(word: str) -> tuple[str, str]:
    """A word's letter codes and its tone digits (one per letter, 0 = none). Cached: a
    country's names are made of a few thousand distinct words."""
    letters: list[str] = []
    tones: list[str] = []
    for ch in word.lower():
        base = unicodedata.normalize("NFD", ch)
        head, marks = base[0], base[1:]
        tone = "0"
        for mark in marks:
            if mark in _TONES:
                tone = _TONES[mark]
        letter = unicodedata.normalize("NFC", head + "".join(m for m in marks if m in _LETTER_MARKS))
        if letter in _LETTER_CODE:
            letters.append(_LETTER_CODE[letter])
            tones.append(tone)
        elif letter.isdigit():
            letters.append(letter)
            tones.append("0")
        elif head in _LETTER_CODE:  # other accented Latin letters sort as their base letter
            letters.append(_LETTER_CODE[head])
            tones.append("0")
    return "".join(letters), "".join(tones)


def name_order(full_name: str) -> list[str]:
    """Words in the order Vietnamese lists sort them: given name, then family, then middle."""
    words = [w for w in re.split(r"[\s\-]+", full_name.strip()) if w]
    if len(words) < 2:
        return words
    return [words[-1], words[0], *words[1:-1]]


@lru_cache(maxsize=131072)
def sort_key(full_name: str | None) -> str:
    """ASCII key ordering names the Vietnamese way: letters first, then tones."""
    if not full_name:
        return ""
    parts = [_split_letters(w) for w in name_order(nfc(full_name))]
    primary = _WORD_GAP.join(p[0] for p in parts)
    secondary = "".join(p[1] for p in parts)
    return primary + _KEY_END + secondary


def text_sort_key(text: str | None) -> str:
    """Sort key for a unit name or other text: words in their own order."""
    if not text:
        return ""
    parts = [_split_letters(w) for w in re.split(r"[\s\-]+", nfc(text)) if w]
    return _WORD_GAP.join(p[0] for p in parts) + _KEY_END + "".join(p[1] for p in parts)


def like_escape(value: str) -> str:
    """Escape LIKE wildcards so user input matches literally (with ESCAPE '\\')."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def mask(value: str | None, keep_start: int = 3, keep_end: int = 3) -> str | None:
    """Mask the middle of a personal number: 075******234."""
    if not value:
        return value
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[-keep_end:]


def masked_name(full_name: str) -> str:
    """The holder's name as the public verify page shows it: "Nguyễn V. A."."""
    words = nfc(full_name).split(" ")
    if len(words) == 1:
        return words[0][0] + "."
    return " ".join([words[0], *(w[0] + "." for w in words[1:])])
