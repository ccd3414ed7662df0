"""The main text of an article page, as paragraphs: trafilatura plus four repairs.

trafilatura finds the article's container and drops navigation, ads and
comments. What it gets wrong across many publishers is repaired with
general rules, not per-site code:
- it repeats the headline as the first heading of the text (dropped: the
  headline is the title);
- it keeps boxes of other stories ("More from...", "Popular") that sit
  inside the article: a short heading of that kind over a block of links
  and teasers is removed first;
- it keeps only one container when the story is split into several chunks
  with the same class (ads sit between them): the sibling chunks are read too;
- it misses the standfirst (dek, summary bullets) that sits between the
  headline and the text; a standfirst is part of the body, so it is put first.
Embedded social-media posts are pruned: they are other people's words.
"""
from __future__ import annotations

import copy
import re
from collections import Counter

import lxml.html
from lxml import etree
from trafilatura import bare_extraction

# Embedded posts (tweets, Instagram, TikTok...) quote other pages, not the article.
_EMBEDS = ('//blockquote[contains(@class, "twitter-tweet") or contains(@class, "instagram-media")'
           ' or contains(@class, "tiktok-embed") or contains(@class, "reddit-embed")'
           ' or contains(@class, "bluesky-embed") or contains(@class, "text-post-media")'
           ' or contains(@class, "twitter-video") or contains(@class, "fb-xfbml")]')
# Words in class names that mark a standfirst in many publishing systems.
_STANDFIRST = frozenset({"dek", "deck", "standfirst", "subtitle", "subheadline", "subhead",
                         "excerpt", "summary", "strapline", "sapo", "chapo", "chapeau", "intro",
                         "abstract", "teaser", "bullets", "highlights", "takeaways"})
_NAME_PARTS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")  # "HeaderDek-x1" -> Header, Dek
_NOT_STANDFIRST = frozenset({"script", "style", "a", "button", "figure", "figcaption", "time",
                             "nav", "aside", "form", "noscript"})
_STANDFIRST_WINDOW = 80  # elements after the headline where a standfirst may sit
_MIN_CHUNK_CHARS = 200
_LINK_DENSITY = 0.2
_TEASER_CHARS = 250  # a story teaser's summary is shorter than this
# Headings that open a list of other stories at the end of the text.
_OTHER_STORIES = re.compile(
    r"^(?:more (?:from|on|in|about|stories|news|coverage)\b|related\b|read (?:more|next|also)\b"
    r"|recommended\b|(?:most )?popular\b|most (?:read|viewed|shared)\b|trending\b"
    r"|you (?:may|might) (?:also )?like\b|also read\b|see also\b|top stories\b"
    r"|latest (?:news|stories)\b|further reading\b|what to read next\b|editors?'?s? picks?\b)",
    re.I)


def tokens_key(text: str) -> str:
    """Text reduced to lower-case words, to compare paragraphs across markup and quotes."""
    return " ".join(re.findall(r"\w+", text.casefold()))


def _segments(element: etree._Element) -> list[str]:
    """An element's text split at <lb/> (line breaks often stand in for paragraphs)."""
    parts, current = [], [element.text or ""]
    for child in element:
        if child.tag == "lb":
            parts.append("".join(current))
            current = []
        else:
            current.append(" ".join(child.itertext()))
        current.append(child.tail or "")
    parts.append("".join(current))
    return [t for t in (" ".join(p.split()) for p in parts) if t]


def _paragraphs(body: etree._Element) -> list[tuple[str, str]]:
    """(kind, text) for each block of trafilatura's XML body; kind is 'head' or 'p'."""
    out: list[tuple[str, str]] = []
    for element in body:
        if element.tag == "list":
            out.extend(("p", t) for item in element.iter("item") for t in _segments(item))
        elif element.tag == "table":
            for row in element.iter("row"):
                text = " ".join(" ".join(cell.itertext()) for cell in row)
                out.extend(("p", t) for t in [" ".join(text.split())] if t)
        elif element.tag in ("quote", "div") and len(element):
            out.extend(_paragraphs(element))
        else:
            kind = "head" if element.tag == "head" else "p"
            out.extend((kind, t) for t in _segments(element))
    return out


def _extract(tree: etree._Element, url: str) -> list[tuple[str, str]]:
    """trafilatura's blocks for a copy of the page (it edits the tree it is given)."""
    tree = copy.deepcopy(tree)
    _prune_other_stories(tree)
    document = bare_extraction(tree, url=url or None, include_comments=False,
                               include_tables=True, prune_xpath=_EMBEDS)
    return _paragraphs(document.body) if document is not None else []


def _p_index(tree: etree._Element) -> dict[str, etree._Element]:
    index: dict[str, etree._Element] = {}
    for element in tree.iter("p"):
        key = tokens_key(element.text_content())
        if key:
            index.setdefault(key, element)
    return index


def _chunk_containers(tree: etree._Element, found: list[str]) -> list[etree._Element]:
    """All chunks of a story split into same-class containers, when there is more than one."""
    index = _p_index(tree)
    parents = Counter(index[k].getparent() for k in found if k in index)
    if not parents:
        return []
    container, count = parents.most_common(1)[0]
    css = container.get("class") if container is not None else None
    if not css or count * 2 < sum(parents.values()):
        return []
    chunks = [e for e in tree.iter(container.tag) if e.get("class") == css]
    known = set(found)
    extra = sum(len(p.text_content()) for c in chunks if c is not container
                for p in c.iter("p") if tokens_key(p.text_content()) not in known)
    return chunks if len(chunks) > 1 and extra >= _MIN_CHUNK_CHARS else []


def _joined_chunks(chunks: list[etree._Element]) -> etree._Element:
    page = lxml.html.document_fromstring("<html><body><article></article></body></html>")
    page.find(".//article").extend(copy.deepcopy(c) for c in chunks)
    return page


def _marked_standfirst(element: etree._Element) -> bool:
    """Its class, id, itemprop or a short data-* value says dek, standfirst, summary..."""
    names = " ".join(v for k, v in element.attrib.items()
                     if k in ("class", "id", "itemprop")
                     or (k.startswith("data-") and len(v) <= 40 and not re.search(r"[/=%]", v)))
    words = [p.lower() for p in _NAME_PARTS.findall(names)]
    joined = [a + b for a, b in zip(words, words[1:])]  # "sub-title", "StandFirst"
    return bool(_STANDFIRST.intersection(words + joined))


def _standfirst(headline: etree._Element | None, first_key: str, description: str) -> list[str]:
    """The dek between the headline and the first paragraph of text, as paragraphs."""
    if headline is None:
        return []
    described = tokens_key(description)
    for element in headline.xpath(f"following::*[position() <= {_STANDFIRST_WINDOW}]"):
        if element.tag in _NOT_STANDFIRST:
            continue
        text = " ".join(element.text_content().split())
        key = tokens_key(text)
        if not key or element.find(".//img") is not None:
            continue
        if key == first_key or (len(key) > 40 and first_key.startswith(key)):
            return []  # reached the text itself
        if (_marked_standfirst(element) or key == described) and 20 <= len(text) <= 600:
            items = [" ".join(li.text_content().split()) for li in element.iter("li")]
            return [t for t in items if t] or [text]
    return []


def _link_box(element: etree._Element) -> etree._Element | None:
    """The nearest enclosing block that lists other stories (links and short teasers), if any.

    An article's own container fails the test: it has a long paragraph, and
    few of its words are links.
    """
    for box in element.iterancestors():
        if box.tag in ("body", "html", "article", "main") or box.find(".//h1") is not None:
            return None
        links = box.findall(".//a[@href]")
        if len(links) >= 3:
            text = len(box.text_content()) or 1
            linked = sum(len(link.text_content()) for link in links)
            long_paragraph = any(len(p.text_content()) > _TEASER_CHARS for p in box.iter("p"))
            return box if linked / text >= _LINK_DENSITY and not long_paragraph else None
    return None


def _prune_other_stories(tree: etree._Element) -> None:
    """Remove "More from..." / "Related" / "Popular" boxes that sit inside the article."""
    for element in list(tree.iter("h2", "h3", "h4", "h5", "h6", "p", "div", "span", "strong")):
        text = " ".join(element.text_content().split())
        if not text or len(text) > 40 or not _OTHER_STORIES.match(text):
            continue
        box = _link_box(element)
        if box is not None and box.getparent() is not None:
            box.drop_tree()


def extract_body(tree: etree._Element, url: str = "", title: str = "",
                 headline: etree._Element | None = None, description: str = "") -> list[str]:
    """The article's paragraphs, standfirst first; [] when the page has no article text."""
    blocks = _extract(tree, url)
    chunks = _chunk_containers(tree, [tokens_key(t) for _, t in blocks])
    if chunks:
        joined = _extract(_joined_chunks(chunks), url)
        if len(" ".join(t for _, t in joined)) > len(" ".join(t for _, t in blocks)):
            blocks = joined
    headlines = {tokens_key(title)}
    if headline is not None:
        headlines.add(tokens_key(headline.text_content()))
    paragraphs = [t for kind, t in blocks
                  if tokens_key(t) and not (kind == "head" and tokens_key(t) in headlines)]
    if not paragraphs:
        return []
    first_key = tokens_key(paragraphs[0])
    lead = [p for p in _standfirst(headline, first_key, description)
            if tokens_key(p) not in {tokens_key(q) for q in paragraphs[:5]}]
    return lead + paragraphs
