"""What an article page says about itself in markup meant for machines.

Publishers describe their articles in JSON-LD (schema.org `NewsArticle` and
kin, often inside an `@graph`) and in `<meta>` tags (Open Graph, `article:*`,
Dublin Core, plain `name=author`). This module reads both from a parsed page
into a `PageMeta`, plus the canonical link, `<html lang>` and `<title>`,
without judging between them: index/html_fields.py and index/html.py decide
which value wins. Strings are plain text: JSON-LD values often carry HTML
entities (`&#8217;`), which are resolved here.
"""
from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field

from lxml import etree

# schema.org types that describe one article (NewsArticle, ReportageNewsArticle, BlogPosting...).
_ARTICLE_TYPE = re.compile(r"(?:Article|BlogPosting|Report)$")
_PAGE_TYPE = re.compile(r"WebPage$")
_INLINE_TAG = re.compile(r"</?(?:b|i|em|strong|span|a|br|sup|sub|u|s|mark|small|cite|q)\b[^<>]*>",
                         re.I)
_JSON_JUNK = re.compile(r"^\s*(?:<!--|<!\[CDATA\[)|(?:-->|\]\]>)\s*$|;\s*$")


@dataclass
class PageMeta:
    """The machine-readable claims of one page, in the page's own order."""

    article: dict = field(default_factory=dict)  # the main JSON-LD article object
    page: dict = field(default_factory=dict)  # the JSON-LD WebPage object, if any
    by_id: dict[str, dict] = field(default_factory=dict)  # JSON-LD @id -> object
    meta: dict[str, list[str]] = field(default_factory=dict)  # lower-cased key -> contents
    canonical: str = ""
    lang: str = ""
    doc_title: str = ""  # the <title> element


def plain(value: object) -> str:
    """A JSON-LD or meta string as plain single-line text.

    Entities are resolved ("&#8217;" is common in JSON-LD) and inline
    formatting tags dropped ("<em>Dune</em>"); any other "<...>" is text.
    """
    if not isinstance(value, str):
        return ""
    return " ".join(_INLINE_TAG.sub("", html.unescape(value)).split())


def type_names(obj: dict) -> list[str]:
    """`@type` as bare names: "schema:NewsArticle" and ["Article"] both work."""
    types = obj.get("@type", [])
    types = types if isinstance(types, list) else [types]
    return [re.split(r"[/:#]", t)[-1] for t in types if isinstance(t, str)]


def _walk(node: object):
    """Every object at the top level, in lists and in @graph (not related-item lists)."""
    if isinstance(node, list):
        for item in node:
            yield from _walk(item)
    elif isinstance(node, dict):
        yield node
        yield from _walk(node.get("@graph", []))
        main = node.get("mainEntity")
        if isinstance(main, (dict, list)):
            yield from _walk(main)


def _json_blocks(tree: etree._Element) -> list[object]:
    blocks = []
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json" or not script.text:
            continue
        text = _JSON_JUNK.sub("", script.text.strip())
        try:  # strict=False: raw newlines inside strings are common and harmless
            blocks.append(json.loads(text, strict=False))
        except ValueError:
            continue  # one broken block must not hide the others
    return blocks


def _url_key(url: object) -> str:
    return str(url).split("#")[0].split("?")[0].rstrip("/").lower() if url else ""


def _refers_to(obj: dict, canonical: str) -> bool:
    urls = [obj.get("url"), obj.get("@id"), obj.get("mainEntityOfPage")]
    urls = [u.get("@id") if isinstance(u, dict) else u for u in urls]
    return bool(canonical) and canonical in {_url_key(u) for u in urls if isinstance(u, str)}


def _choose_article(articles: list[dict], canonical: str) -> dict:
    """The page's own article: the one pointing at the canonical URL, else the fullest."""
    def score(obj: dict) -> int:
        return (2 * _refers_to(obj, canonical) + bool(obj.get("headline"))
                + bool(obj.get("datePublished")) + bool(obj.get("author")))
    return max(articles, key=score, default={})  # max keeps the first of equals


def _read_meta(tree: etree._Element) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for element in tree.iter("meta"):
        key = element.get("property") or element.get("name") or element.get("itemprop")
        content = element.get("content")
        if key and content and content.strip():
            found.setdefault(key.strip().lower(), []).append(" ".join(content.split()))
    return found


def read_meta(tree: etree._Element) -> PageMeta:
    """Collect JSON-LD, <meta>, canonical link, language and <title> of a parsed page."""
    canonical = ""
    for link in tree.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split() and link.get("href"):
            canonical = link.get("href").strip()
            break
    meta = _read_meta(tree)
    canonical = canonical or next(iter(meta.get("og:url", [])), "")
    objects = [obj for block in _json_blocks(tree) for obj in _walk(block)]
    by_id = {obj["@id"]: obj for obj in objects
             if isinstance(obj.get("@id"), str) and len(obj) > 1}
    articles = [o for o in objects if any(_ARTICLE_TYPE.search(t) for t in type_names(o))]
    pages = [o for o in objects if any(_PAGE_TYPE.search(t) for t in type_names(o))]
    title = tree.find(".//title")
    return PageMeta(article=_choose_article(articles, _url_key(canonical)),
                    page=pages[0] if pages else {}, by_id=by_id, meta=meta,
                    canonical=canonical, lang=(tree.get("lang") or "").strip(),
                    doc_title=" ".join(title.text_content().split()) if title is not None else "")


def first_meta(page: PageMeta, *keys: str) -> str:
    """The first non-empty value among the given meta keys, in the order asked."""
    for key in keys:
        for value in page.meta.get(key, []):
            if value:
                return value
    return ""


def resolve(page: PageMeta, node: object) -> object:
    """Follow a bare {"@id": ...} reference to the object it names in the @graph."""
    if isinstance(node, dict) and set(node) <= {"@id", "@type"} and node.get("@id") in page.by_id:
        return page.by_id[node["@id"]]
    return node


def texts(value: object) -> list[str]:
    """A JSON-LD value that may be a string, a list of strings or comma-separated."""
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items:
        if isinstance(item, dict):
            item = item.get("name")
        out.extend(part for part in (plain(p) for p in plain(item).split(",")) if part)
    return out
