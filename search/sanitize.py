"""The one sanitiser for HTML we produce: only <mark> survives, without attributes.

Highlighting already escapes text by construction; this explicit allow-list
is the last line of defence, kept in one module so it can be swapped.

bleach parses with html5lib, about a millisecond per snippet: more than the
whole rest of a search. A string that is already in the form bleach leaves
unchanged (escaped text of ordinary characters, and balanced, unnested
<mark>...</mark> without attributes) is returned as it is; anything else goes
through bleach. tests/test_fast_paths.py checks with generated strings, hostile
ones included, that the result is always exactly bleach's.
"""
from __future__ import annotations

import re

import bleach

ALLOWED_TAGS = frozenset({"mark"})

# Characters html5lib rewrites or reports: controls but tab and newline, carriage return,
# C1 controls, surrogates and Unicode's noncharacters.
_SPECIAL = ("\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef"
            + "".join(f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}"
                      for plane in range(17)))
_TEXT = f"(?:[^<>&{_SPECIAL}]|&(?:amp|lt|gt);)*"
_ALREADY_CLEAN = re.compile(f"{_TEXT}(?:<mark>{_TEXT}</mark>{_TEXT})*")


def clean_highlight(html: str) -> str:
    """Escaped text whose only markup is <mark>...</mark>."""
    if _ALREADY_CLEAN.fullmatch(html):
        return html
    return bleach.clean(html, tags=ALLOWED_TAGS, attributes={}, protocols=(), strip=True)
