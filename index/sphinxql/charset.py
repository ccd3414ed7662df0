"""Which characters Sphinx keeps in a word, and the charset_table that says so.

One list for both sides: config.py writes it into every index (`charset_table`), and
search/sphinxql/translate.py refuses a query word with any other character, which
Sphinx would treat as a separator. ASCII letters, digits and `_`, then the letters of
Latin-1 to Latin Extended-B, Greek and Cyrillic.
"""
from __future__ import annotations

import unicodedata
from itertools import chain

# Non-ASCII code points whose letters are indexed: Latin-1 Supplement to Latin Extended-B,
# and Greek to Cyrillic Supplement.
_LETTER_BLOCKS = (range(0xC0, 0x250), range(0x370, 0x530))


def is_indexed(char: str) -> bool:
    """Whether Sphinx keeps the character in a word; any other character separates words."""
    if char.isascii():
        return char.isalnum() or char == "_"
    code = ord(char)
    return any(code in block for block in _LETTER_BLOCKS) \
        and unicodedata.category(char).startswith("L")


def non_cjk_table() -> str:
    """Sphinx 2.2.11 knows no `non_cjk` charset alias (only `english` and `russian`): spell
    it out. Every character `is_indexed` keeps, folded to lower case, Latin accents dropped
    (`é` finds `e`)."""
    entries = ["0..9", "A..Z->a..z", "_", "a..z"]
    for code in chain(*_LETTER_BLOCKS):
        char = chr(code)
        if not is_indexed(char):
            continue
        lower = char.lower() if len(char.lower()) == 1 else char
        base = unicodedata.normalize("NFD", lower)[0].lower()
        target = base if base.isascii() and base.isalpha() else lower
        entries.append(f"U+{code:04X}" if target == char else f"U+{code:04X}->U+{ord(target):04X}")
    # searchd refuses very long lines: a backslash continues one.
    lines = (", ".join(entries[start:start + 8]) for start in range(0, len(entries), 8))
    return ", \\\n        ".join(lines)
