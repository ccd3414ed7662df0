"""More like this: the other stories closest to an article, by its key terms.

Whoosh's key-term machinery (searcher.key_terms_from_text with its Bo1 model:
words frequent in this article and rare in the archive) picks the words the
article is about from its stored headline and opening text, analysed as its
language's body field analyses them. Fields are not stored as vectors, so
the text is passed in, and only its first MAX_TEXT characters: the cost
stays flat for long bodies, and a news story says what it is about first.
Numbers (prices, dates, tickers) are left out: they name no subject.

Those words then score other articles by their postings in the body and
headline fields of that language: a saturated term frequency times the
word's weight and rarity (BM25 without length normalisation). Walking the
postings directly takes about 25 ms a call on the 21,578 Reuters stories,
where a Whoosh Or query over the same words took 80-300 ms (its union
matchers are pure Python, and so is its block skipping). Words in more than
MAX_SHARE of the archive are skipped, and the walk stops at MAX_POSTINGS,
which bounds the cost on any archive. The article and its own syndicated
copies (same cluster) are left out, and each other story is shown once, by
its best-scoring copy.
"""
from __future__ import annotations

import heapq
import math
from collections import defaultdict

from whoosh.searching import Searcher

from index import schema
from index.errors import NotFound
from search import facets
from search.ranking import K1, TITLE_BOOST

MAX_TEXT = 4000  # characters of headline and body read for key terms
KEY_TERMS = 12  # enough to name a subject; more drift towards the article's side remarks
# Words in more than this share of the articles are skipped. On the Reuters topics, the share
# of related stories sharing a topic was .47 at 0.05, .53 at 0.1, .58 at 0.2 and at 1.0 (all
# words), which walks twice the postings.
MAX_SHARE = 0.2
MAX_POSTINGS = 15_000  # postings walked per call, at most: the cost bound on a large archive
FETCH_PER_RESULT = 3  # scored articles read per story wanted: a story may come in copies


def related(searcher: Searcher, docnum_or_article_id: int | str, limit: int = 10) -> list[int]:
    """Document numbers of up to `limit` other stories most like this article, best first.

    Never the article itself nor a copy of it (its cluster); one copy per other story.
    An unknown article id raises NotFound; an article without text has no related stories.
    """
    docnum = _docnum(searcher, docnum_or_article_id)
    stored = searcher.stored_fields(docnum)
    language = schema.language_of(stored.get(schema.LANGUAGE, ""))
    fields = ((schema.BODY_FIELDS[language], 1.0), (schema.TITLE_FIELDS[language], TITLE_BOOST))
    scores = _scores(searcher, key_terms(searcher, stored, fields[0][0]), fields)
    clusters = facets.column_values(searcher, schema.CLUSTER)
    own = clusters[docnum]
    seen, out = {own}, []
    for doc in heapq.nlargest(limit * FETCH_PER_RESULT, scores, key=scores.__getitem__):
        story = clusters[doc]
        if story not in seen:
            seen.add(story)
            out.append(doc)
            if len(out) == limit:
                break
    return out


def key_terms(searcher: Searcher, stored: dict, field: str) -> list[tuple[str, float]]:
    """The article's telling words in `field`'s analysed form, with weights, best first."""
    text = f"{stored.get(schema.TITLE, '')}\n\n{stored.get(schema.BODY, '')}"[:MAX_TEXT]
    if not text.strip():
        return []
    # Twice as many as kept, since numbers and very common words are dropped after.
    found = searcher.key_terms_from_text(field, text, numterms=KEY_TERMS * 2)
    reader, most = searcher.reader(), MAX_SHARE * searcher.doc_count()
    telling = [(word, weight) for word, weight in found
               if not any(char.isdigit() for char in word)
               and reader.doc_frequency(field, word) <= most]
    return telling[:KEY_TERMS]


def _scores(searcher: Searcher, terms: list[tuple[str, float]],
            fields: tuple[tuple[str, float], ...]) -> dict[int, float]:
    """docnum -> how much of the key terms' weight it holds, over the given (field, boost)."""
    reader = searcher.reader()
    total = searcher.doc_count_all()
    scores: dict[int, float] = defaultdict(float)
    budget = MAX_POSTINGS
    for word, weight in terms:
        for field, boost in fields:
            documents = reader.doc_frequency(field, word)
            if not documents or documents > budget:
                continue
            budget -= documents
            rarity = math.log(1 + (total - documents + 0.5) / (documents + 0.5))
            part = boost * weight * rarity
            postings = reader.postings(field, word)
            # id()/weight()/next() read the block's arrays; items_as() decodes each posting,
            # three times slower.
            while postings.is_active():
                frequency = postings.weight()
                scores[postings.id()] += part * frequency / (frequency + K1)
                postings.next()
    return scores


def _docnum(searcher: Searcher, docnum_or_article_id: int | str) -> int:
    if isinstance(docnum_or_article_id, int):
        return docnum_or_article_id
    docnum = searcher.document_number(**{schema.ID: docnum_or_article_id})
    if docnum is None:
        raise NotFound(f"no article with id {docnum_or_article_id!r}", param="id")
    return docnum
