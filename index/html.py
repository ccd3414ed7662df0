"""Whole article pages (HTML) -> headline, body, date, authors, source.

A page is decoded (UTF-8 when its bytes are UTF-8, else its declared
charset, else Windows-1252), parsed once with lxml for its structured
metadata (index/html_meta.py, index/html_fields.py) and handed to
trafilatura for the text (index/html_body.py). The headline is the one the
reader sees (the `<h1>`) when the page's metadata agrees with it, written as
the metadata writes it (`og:title`, JSON-LD `headline`), without the site
name that `<title>` tags append. Nothing is invented: a value the page does
not give stays empty, and a page that neither declares itself an article
nor holds more than a few words of text comes back empty, for the pipeline
to report ("page has no article text").
"""
from __future__ import annotations

import codecs
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

import lxml.html
from lxml import etree

from index import html_fields
from index.html_body import extract_body, tokens_key
from index.html_meta import PageMeta, first_meta, read_meta

_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.I)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>")
_SEPARATOR = re.compile(r"\s+[|\-\u2013\u2014\u00b7\u2022\u00bb*]+\s+")  # "Headline | Site"
MIN_WORDS = 25  # below this, a page that does not declare an article holds none
# Comments dropped as trafilatura's own parser does: a comment inside a paragraph
# otherwise cuts the paragraph's text short in its extraction.
_PARSER = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, collect_ids=False)
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))


@dataclass
class Page:
    """What an article page says about itself; empty values when it does not say."""

    title: str = ""
    body: str = ""  # plain text, paragraphs separated by a blank line
    authors: list[str] = field(default_factory=list)
    published: datetime | None = None  # naive UTC, with the time of day when the page gives it
    source: str = ""  # the outlet: og:site_name, JSON-LD publisher...
    url: str = ""  # the canonical URL, when the page names one
    language: str = ""
    section: str = ""
    tags: list[str] = field(default_factory=list)
    description: str = ""


def decode_html(data: bytes) -> str:
    """Page bytes as text: a BOM, else valid UTF-8, else the declared charset, else cp1252."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return data.decode(codec, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass  # many pages declare one charset and are written in another; bytes decide first
    declared = _CHARSET.search(data[:4096])
    if declared:
        try:
            return data.decode(declared.group(1).decode("ascii"), errors="replace")
        except LookupError:
            pass
    return data.decode("cp1252", errors="replace")


def _parse(text: str) -> etree._Element | None:
    text = _XML_DECLARATION.sub("", text.replace("\x00", ""))
    if not text.strip():
        return None
    try:
        return lxml.html.document_fromstring(text, parser=_PARSER)
    except (etree.ParserError, ValueError):
        return None


def _squashed(text: str) -> str:
    return tokens_key(text).replace(" ", "")


def _site_keys(page: PageMeta, url: str) -> list[str]:
    """The site's name and its web name ("cbc" for www.cbc.ca), squashed for comparing."""
    host = (urlsplit(page.canonical or url).hostname or "").removeprefix("www.")
    keys = [_squashed(html_fields.source(page)), _squashed(host.split(".")[0])]
    return [k for k in keys if len(k) >= 2]


def _names_site(part: str, site_keys: list[str]) -> bool:
    """A title part that is the site's name ("CBC News", "Globalnews.ca"), not a headline."""
    squashed = _squashed(part)
    if not squashed or len(part.split()) > 5:
        return False
    return any(squashed == k or (len(k) >= 4 and (k in squashed or squashed in k))
               for k in site_keys)


def _without_site(title: str, site_keys: list[str]) -> str:
    """Drop trailing " | Site Name" parts from a title ("Headline | CBC News" -> "Headline")."""
    while (separators := list(_SEPARATOR.finditer(title))) and _names_site(
            title[separators[-1].end():], site_keys):
        title = title[:separators[-1].start()]
    return title


def _readings(candidate: str) -> list[str]:
    """A title and its parts around each separator: "A | B - C" -> A, B - C, A | B, C."""
    parts = [candidate]
    for match in _SEPARATOR.finditer(candidate):
        parts += [candidate[:match.start()], candidate[match.end():]]
    return [p.strip() for p in parts]


def _spelling(variants: list[str]) -> str:
    """Sources differ in quotes and dashes: the spelling most of them use (the first if even)."""
    counts = Counter(variants)
    return max(counts, key=counts.__getitem__)


def _most_supported(candidates: list[str], site_keys: list[str]) -> str:
    """The headline most of the page's titles contain: "Headline" is in "Headline | Site"
    and in the JSON-LD headline. When as many agree on two different headlines, the
    longer (more telling) one."""
    support: Counter[str] = Counter()
    spellings: dict[str, list[str]] = {}
    leading: set[str] = set()  # a headline leads somewhere; a site name only trails
    for candidate in candidates:
        readings = {}
        for position, reading in enumerate(_readings(_without_site(candidate, site_keys))):
            key = tokens_key(reading)
            if key and not _names_site(reading, site_keys):
                readings.setdefault(key, reading)
                if position == 0 or position % 2:  # the whole title, or a part before a separator
                    leading.add(key)
        for key, reading in readings.items():
            support[key] += 1
            spellings.setdefault(key, []).append(reading)
    keys = [k for k in support if k in leading]
    if not keys:
        return ""
    best = max(keys, key=lambda k: (support[k], len(k.split())))  # the first of equals
    return _spelling(spellings[best])


def _title(tree: etree._Element, page: PageMeta, url: str) -> tuple[str, etree._Element | None]:
    """(headline, the <h1> showing it): the headline the page's metadata agrees on.

    The <h1> is located too (the first one that matches a metadata title), as
    the standfirst and the date are looked for after it; it is the title only
    when the page has no metadata titles.
    """
    candidates = [first_meta(page, "og:title"), html_fields.article_headline(page),
                  first_meta(page, "twitter:title"), first_meta(page, "title", "dc.title"),
                  page.doc_title]
    candidates = [c for c in candidates if c]
    site_keys = _site_keys(page, url)
    headings = [(h, " ".join(h.text_content().split())) for h in tree.iter("h1")]
    headings = [(h, t) for h, t in headings if tokens_key(t) and not _names_site(t, site_keys)]
    known = {tokens_key(r) for c in candidates for r in _readings(c)}
    headline = next((h for h, t in headings if tokens_key(t) in known), None)
    title = _most_supported(candidates, site_keys)
    if not title and headings:
        headline, title = headings[0]
    return title, headline


def _words(paragraphs: list[str]) -> int:
    return sum(len(p.split()) for p in paragraphs)


def extract_page(html: bytes | str, url: str = "") -> Page:
    """Extract the main article of a page; empty fields for what the page does not give."""
    text = decode_html(html) if isinstance(html, bytes) else html
    tree = _parse(text)
    if tree is None:
        return Page()
    meta = read_meta(tree)
    title, headline = _title(tree, meta, url)
    description = html_fields.description(meta)
    paragraphs = extract_body(tree, url, title, headline, description)
    if not html_fields.is_article_page(meta) and _words(paragraphs) < MIN_WORDS:
        # A page that does not call itself an article and has only a few words
        # (menus of a section front, an error page) has no article text.
        title, paragraphs = "", []
    return Page(
        title=title, body="\n\n".join(paragraphs),
        authors=html_fields.authors(tree, meta),
        published=html_fields.published(tree, meta, url, headline),
        source=html_fields.source(meta), url=html_fields.canonical_url(meta, url),
        language=html_fields.language(meta), section=html_fields.section(meta),
        tags=html_fields.tags(meta), description=description)
