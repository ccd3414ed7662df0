"""Reuters-21578 SGML: one article per <REUTERS> record.

The files are not well-formed XML (numeric references to control characters,
a stray non-ASCII byte, noise after the DATE), so records are cut out with
regular expressions and each field is cleaned on its own. A broken record is
reported and the rest of the file still indexed.
"""
from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import datetime

from index import ids
from index.article import Draft, Problem
from index.reuters_codes import display_name
from index.text import clean_line, derive_title, join_paragraphs, strip_controls

NAMESPACE = "reuters21578"
SOURCE = "Reuters"
_RECORD_START = re.compile(r"(?=<REUTERS\b)")
_ATTRS = re.compile(r'(\w+)="([^"]*)"')
_CHAR_REF = re.compile(r"&#(\d+);")
_DATE = re.compile(r"(\d{1,2})-([A-Za-z]{3})-(\d{4})")
_TIME = re.compile(r"\s+(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,2}))?")
_MONTHS = {m: i for i, m in enumerate(
    ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), 1)}
_TRAILER = re.compile(r"\s*\breuter\b\s*$", re.IGNORECASE)
_DATELINE_DATE = re.compile(r",?\s*(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
                            r"\s*\d{1,2}\s*-?\s*$", re.IGNORECASE)
_LABEL_KINDS = {"PEOPLE": "people", "ORGS": "organizations", "EXCHANGES": "exchanges",
                "PLACES": "places"}


def decode(data: bytes) -> tuple[str, int]:
    """Decode the ASCII files, dropping stray bytes; return the text and how many were dropped."""
    text = data.decode("latin-1")
    cleaned = re.sub(r"[\x80-\xff]", "", text)
    return cleaned, len(text) - len(cleaned)


def unescape(text: str) -> str:
    """Resolve entities; references to control characters (&#3; ends each body) are dropped."""
    text = _CHAR_REF.sub(lambda m: "" if int(m.group(1)) < 32 or int(m.group(1)) == 127
                         else m.group(0), text)
    return strip_controls(html.unescape(text))


def _element(chunk: str, tag: str) -> str | None:
    match = re.search(rf"<{tag}\b[^>]*>(.*?)</{tag}>", chunk, re.DOTALL)
    return match.group(1) if match else None


def _labels(chunk: str, tag: str) -> list[str]:
    inner = _element(chunk, tag) or ""
    return [label.strip().lower() for label in re.findall(r"<D>(.*?)</D>", inner) if label.strip()]


def parse_date(raw: str) -> tuple[datetime, str | None]:
    """`26-FEB-1987 15:01:01.79`, possibly followed by junk; the wire's clock, taken as UTC.

    Returns the date and, when the time of day is unreadable and only the day
    was kept, a note saying so.
    """
    match = _DATE.search(raw)
    if not match or match.group(2).upper() not in _MONTHS:
        raise ValueError(f"unreadable DATE {raw.strip()[:40]!r}")
    day = datetime(int(match.group(3)), _MONTHS[match.group(2).upper()], int(match.group(1)))
    clock = _TIME.match(raw, match.end())
    if clock:
        hour, minute, second, hundredths = clock.groups()
        try:
            return day.replace(hour=int(hour), minute=int(minute), second=int(second),
                               microsecond=int((hundredths or "0").ljust(2, "0")) * 10000), None
        except ValueError:
            pass
    return day, f"time of day unreadable in DATE {raw.strip()[:40]!r}; kept the day only"


def body_paragraphs(raw: str) -> list[str]:
    """Rejoin the wire's hard-wrapped lines; an indented line starts a new paragraph."""
    paragraphs: list[list[str]] = []
    for line in raw.split("\n"):
        if not line.strip():
            continue
        if line[:1].isspace() or not paragraphs:
            paragraphs.append([])
        paragraphs[-1].append(clean_line(line))
    return [" ".join(words) for words in paragraphs]


def _dateline_place(raw: str) -> str:
    """`    BOCA RATON, Fla., March 3 - ` -> "Boca Raton, Fla.": the place, with its region."""
    text = clean_line(raw.split(" - ")[0])
    text = _DATELINE_DATE.sub("", text)
    parts = [part.strip() for part in text.split(",") if part.strip()][:2]
    if not parts:
        return ""
    city = parts[0].title() if parts[0].isupper() else parts[0]
    return ", ".join([city, *parts[1:]])


def _author(raw: str) -> str:
    name = clean_line(raw)
    name = re.sub(r"^by\s+", "", name, flags=re.IGNORECASE)
    return re.sub(r",\s*reuters?\s*$", "", name, flags=re.IGNORECASE).strip()


def parse_record(chunk: str, origin: str) -> Iterator[Draft | Problem]:
    """Turn one <REUTERS ...>...</REUTERS> record into a Draft, or report why not."""
    attrs = dict(_ATTRS.findall(chunk[:chunk.find(">") + 1]))
    newid = attrs.get("NEWID", "").strip()
    if not newid.isdigit():
        yield Problem(origin, "record has no numeric NEWID")
        return
    origin = f"{origin}#NEWID={newid}"
    published, notes = None, []
    try:
        published, note = parse_date(unescape(_element(chunk, "DATE") or ""))
        if note:
            notes.append(Problem(origin, note, skipped=False))
    except ValueError as exc:
        notes.append(Problem(origin, f"{exc}; published left empty", skipped=False))

    text_match = re.search(r"<TEXT\b([^>]*)>(.*?)</TEXT>", chunk, re.DOTALL)
    text_type = dict(_ATTRS.findall(text_match.group(1))).get("TYPE", "") if text_match else ""
    text = text_match.group(2) if text_match else ""
    title = clean_line(unescape(_element(text, "TITLE") or ""))
    dateline = _element(text, "DATELINE")
    author = _element(text, "AUTHOR")
    if text_type == "UNPROC":
        lines = [strip_controls(line).rstrip() for line in unescape(text).split("\n")]
        body = "\n".join(line for line in lines if line.strip()).strip()
    else:
        body = join_paragraphs(body_paragraphs(unescape(_element(text, "BODY") or "")))
    body = _TRAILER.sub("", body).strip()
    title_derived = False
    if not title and body:  # an unprocessed story: its first line is its slug headline
        title, title_derived = derive_title(body.split("\n")[0]), True
    if not title and not body:
        yield Problem(origin, "record has neither a TITLE nor a BODY")
        return

    names: dict[str, list[str]] = {"people": [], "organizations": [], "places": []}
    for tag, kind in _LABEL_KINDS.items():
        target = "organizations" if kind == "exchanges" else kind
        names[target].extend(display_name(kind, code) for code in _labels(chunk, tag))
    byline = _author(unescape(author)) if author else ""
    yield Draft(
        origin=origin, native_id=ids.native_id(NAMESPACE, newid),
        title=title, body=body, source=SOURCE, published=published,
        authors=[byline] if byline else [], people=names["people"],
        organizations=names["organizations"], places=names["places"],
        tags=_labels(chunk, "TOPICS"),
        dateline=_dateline_place(unescape(dateline)) if dateline else "",
        language="en", title_derived=title_derived, notes=notes,
    )


def read_reuters(data: bytes, origin: str) -> Iterator[Draft | Problem]:
    text, dropped = decode(data)
    if dropped:
        yield Problem(origin, f"dropped {dropped} stray non-ASCII byte(s)", skipped=False)
    chunks = _RECORD_START.split(text)[1:]
    if not chunks:
        yield Problem(origin, "no <REUTERS> records found")
        return
    for number, chunk in enumerate(chunks, 1):
        end = chunk.find("</REUTERS>")
        if end < 0:
            yield Problem(f"{origin}#record={number}",
                          "record has no closing </REUTERS> tag (truncated file?)")
            continue
        yield from parse_record(chunk[:end], origin)
