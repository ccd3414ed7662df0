"""An article page's date, authors and labels, chosen from its machine-readable claims.

Each field has an order of trust that holds across publishers: the page's
own JSON-LD article first, then `<meta>` tags, then visible markup. A
publication date keeps its time of day and zone (JSON-LD `datePublished`,
`article:published_time`, `<time datetime>`), is converted to naive UTC, and
is never guessed: no crawl date, no "now". A date with only a day is used
only when nothing on the page gives the time.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from urllib.parse import urljoin, urlsplit

from lxml import etree
from trafilatura.metadata import extract_author

from index.dates import parse_published
from index.html_meta import PageMeta, first_meta, plain, resolve, texts, type_names

# Meta keys that carry the publication date, most trusted first.
_DATE_KEYS = ("article:published_time", "og:article:published_time", "og:published_time",
              "article_published_time", "datepublished", "publishdate", "publish-date",
              "publish_date", "pubdate", "parsely-pub-date", "dc.date.issued",
              "dcterms.issued", "dcterms.created", "dc.date", "date", "sailthru.date")
_AUTHOR_KEYS = ("author", "article:author", "parsely-author", "sailthru.author", "dc.creator",
                "dcterms.creator", "cxenseparse:author", "byl")
_HAS_TIME = re.compile(r"\d{1,2}:\d{2}")
_HAS_ZONE = re.compile(r"\d(?:Z|\s*[+-]\d{2}:?\d{2})\s*$|\b(?:GMT|UTC|UT|[A-Z]{1,3}[SD]T)\b")
_URL_DATE = re.compile(r"/((?:19|20)\d{2})[/-]?(0[1-9]|1[0-2])[/-]?(0[1-9]|[12]\d|3[01])(?=/|[-_]|$)")
_BY = re.compile(r"^\s*(?:(?:written|story|words|reporting|reported) )?by\b[:\s]*", re.I)
_NAME_SPLIT = re.compile(r"\s*(?:,|;|\||&|\band\b)\s*", re.I)
_NOT_A_NAME = re.compile(r"https?:|www\.|@|\.(?:com|org|net)\b|^\W*$"
                         r"|^(?:edit(?:ed|ing)|additional reporting|compiled|photos?|graphics?)\b",
                         re.I)  # editors and photographers are credited, not authors
_SLUG = re.compile(r"^[a-z0-9]+(?:[-_.][a-z0-9]+)*$")
_MIN_YEAR, _MAX_YEAR = 1800, 2200


def _dated(text: str) -> tuple[datetime, int] | None:
    """(naive UTC datetime, precision), or None if unreadable.

    Precision: 0 a day only, 1 a time of day without a zone (taken as UTC),
    2 a time with its zone.
    """
    try:
        value = parse_published(text)
    except (ValueError, OverflowError):
        return None
    if not _MIN_YEAR <= value.year <= _MAX_YEAR:
        return None
    if not _HAS_TIME.search(text):
        return value, 0
    return value, 2 if _HAS_ZONE.search(text) else 1


def _time_elements(tree: etree._Element, headline: etree._Element | None) -> list[str]:
    """<time datetime> values: those marked as the publication time, then those after the headline."""
    marked, after, seen_headline = [], [], headline is None
    for element in tree.iter():
        if element is headline:
            seen_headline = True
        if element.tag != "time" or not element.get("datetime"):
            continue
        hints = " ".join(filter(None, [element.get("itemprop"), element.get("class"),
                                       "pubdate" if element.get("pubdate") is not None else ""]))
        if re.search(r"datepublished|pubdate|publish", hints, re.I):
            marked.append(element.get("datetime"))
        elif seen_headline:
            after.append(element.get("datetime"))
    return marked + after[:1]


def published(tree: etree._Element, page: PageMeta, url: str,
              headline: etree._Element | None = None) -> datetime | None:
    """The publication date, with its time of day whenever the page gives one anywhere."""
    claims = [page.article.get("datePublished"), *[first_meta(page, k) for k in _DATE_KEYS],
              *_time_elements(tree, headline), page.article.get("dateCreated"),
              page.page.get("datePublished")]
    dated = [d for d in (_dated(c) for c in claims if isinstance(c, str) and c.strip()) if d]
    match = _URL_DATE.search(urlsplit(url).path) if url else None
    if match:
        dated.append((datetime(*map(int, match.groups())), 0))
    if not dated:
        return None
    # The most trusted claim, unless another claim for the same day is more
    # precise: "2024-05-01" is completed by "2024-05-01T14:03:00+02:00", and a
    # time without a zone yields to the same time with one.
    first, precision = dated[0]
    best = first
    for value, more in dated[1:]:
        if more > precision and abs(value - first) <= timedelta(days=1):
            best, precision = value, more
    return best


def _clean_name(raw: str) -> str:
    name = _BY.sub("", plain(raw)).strip(" ,;:-\u2013\u2014")
    if not name or _NOT_A_NAME.search(name) or len(name) > 80 or len(name.split()) > 6:
        return ""
    return name


def split_names(raw: str) -> list[str]:
    """'By A and B', 'A, B', 'A | B' -> the names (a single name stays whole)."""
    text = _BY.sub("", plain(raw))
    parts = [p for p in _NAME_SPLIT.split(text) if p.strip()]
    # "Smith, John" is one name: split on commas only when every part has two words or more.
    if "," in text and any(len(p.split()) < 2 for p in parts):
        parts = [text]
    return [n for n in (_clean_name(p) for p in parts) if n]


def _ld_authors(page: PageMeta) -> tuple[list[str], list[str]]:
    """(people, organisations) named as the JSON-LD article's author."""
    value = page.article.get("author") or page.article.get("creator")
    people: list[str] = []
    organisations: list[str] = []
    for node in value if isinstance(value, list) else [value]:
        node = resolve(page, node)
        if isinstance(node, str):
            people.extend(split_names(node))
        elif isinstance(node, dict):
            names = split_names(plain(node.get("name")) or plain(node.get("byline")))
            is_organisation = any(t.endswith("Organization") for t in type_names(node))
            (organisations if is_organisation else people).extend(names)
    return people, organisations


def _byline_authors(tree: etree._Element) -> list[str]:
    """Bylines in the page's markup (rel=author, itemprop=author, class="byline"...),
    found by trafilatura's rules, which skip the bylines of other stories' teasers."""
    found = extract_author(tree) or ""
    return [n for part in found.split(";") for n in split_names(part)]


def _dedupe(names: list[str]) -> list[str]:
    seen: set[str] = set()
    return [n for n in names if not (n.casefold() in seen or seen.add(n.casefold()))]


def authors(tree: etree._Element, page: PageMeta) -> list[str]:
    """The article's authors: the first source that names real people wins.

    A source that only gives login slugs ("chuck-ross") loses to the next
    one that gives a proper name; an organisation named as the author (a
    newsroom, a wire service) is used only when no person is named anywhere.
    """
    people, organisations = _ld_authors(page)
    sources = [lambda: people]
    sources += [lambda k=k: [n for v in page.meta.get(k, []) for n in split_names(v)]
                for k in _AUTHOR_KEYS]
    sources += [lambda: _byline_authors(tree), lambda: organisations]
    fallback: list[str] = []
    for source in sources:  # lazily: the byline search costs a copy of the page
        names = _dedupe(source())
        if names and not all(_SLUG.match(n) for n in names):
            return names
        fallback = fallback or names
    return fallback


def _publisher(page: PageMeta) -> str:
    node = resolve(page, page.article.get("publisher"))
    if isinstance(node, list) and node:
        node = resolve(page, node[0])
    return plain(node.get("name")) if isinstance(node, dict) else plain(node)


def source(page: PageMeta) -> str:
    """The outlet as the page names it (the pipeline falls back to the URL's host)."""
    return (first_meta(page, "og:site_name") or _publisher(page)
            or first_meta(page, "application-name", "apple-mobile-web-app-title"))


def canonical_url(page: PageMeta, url: str) -> str:
    """The page's canonical address, made absolute; '' when it names none."""
    candidate = page.canonical or plain(page.article.get("url"))
    if not candidate:
        return ""
    absolute = urljoin(url, candidate) if url else candidate
    parts = urlsplit(absolute)
    # A canonical link to the site's front page is a template's mistake, not this article's
    # address (taking it would give every such page the same id).
    if parts.scheme not in ("http", "https") or parts.path.strip("/") == "":
        return ""
    return absolute


def language(page: PageMeta) -> str:
    value = (page.lang or plain(page.article.get("inLanguage"))
             or first_meta(page, "og:locale", "content-language", "language", "dc.language"))
    return re.split(r"[-_]", value.strip())[0].lower() if value else ""


def section(page: PageMeta) -> str:
    found = texts(page.article.get("articleSection"))
    return found[0] if found else plain(first_meta(page, "article:section", "parsely-section"))


def tags(page: PageMeta) -> list[str]:
    """Keywords from JSON-LD, else article:tag, else news_keywords/keywords."""
    found = texts(page.article.get("keywords"))
    if not found:
        found = [t for v in page.meta.get("article:tag", []) for t in texts(v)]
    if not found:
        found = texts(first_meta(page, "news_keywords", "keywords"))
    # Machine codes ("tag:foo", "id=123") are not topics a reader would search for.
    return _dedupe([t for t in found if not re.search(r"[:=/]", t) and len(t) <= 80])


def description(page: PageMeta) -> str:
    return plain(first_meta(page, "og:description", "description", "twitter:description")
                 or page.article.get("description"))


def article_headline(page: PageMeta) -> str:
    """The JSON-LD article's headline (its `name` when it has none)."""
    return plain(page.article.get("headline")) or plain(page.article.get("name"))


def is_article_page(page: PageMeta) -> bool:
    """The page declares itself an article (JSON-LD article or og:type article)."""
    return bool(page.article) or first_meta(page, "og:type").lower() == "article"
