"""Pseudo-relevance feedback (RM3) for sentence-like queries.

A pasted sentence names its subject in a few words among many ordinary ones.
The stories that rank best for it on a first pass share the subject's other
words (the people, the places, the issue), so the query is run again with
those words added: a relevance model estimated from the top stories (Lavrenko
and Croft 2001), interpolated with the query's own words (RM3, Abdul-Jaleel
et al. 2004). The added words only reorder: the expanded query matches exactly
the documents the query matched (AndMaybe), so totals, facets and paging are
those of the query as typed; they are not marked in snippets (the story did
not match them, it resembles the stories that did), and `parsed` still shows
the query as typed (with `explain`, the added words' parts are listed).
Keyword queries, which require every word, and other sort orders are left
alone. Settings live in search/ranking.py.
"""
from __future__ import annotations

from collections import Counter

import numpy as np
from whoosh import query, sorting
from whoosh.matching import WrappingMatcher
from whoosh.query.compound import PreloadedOr
from whoosh.searching import Searcher

from index import schema
from index.analysis import ENGLISH
from index.analysis_replay import fast_tokens
from search import parsing, ranking, vectorized
from search.facets import cluster_codes
from search.request import SearchRequest

MAX_TEXT = 20_000  # characters of a story read for its words: keeps the cost flat for long ones


def applies(request: SearchRequest) -> bool:
    """Feedback is for relevance-ranked natural-language queries, and only when switched on."""
    return (ranking.FEEDBACK_DOCS > 0 and request.sort == "relevance"
            and parsing.is_natural_language(request.q))


def expand(searcher: Searcher, q: query.Query, request: SearchRequest,
           allowed: set[int] | None = None) -> query.Query:
    """The query to rank `q`'s matches by: `q` itself, or `q` plus its feedback words (RM3)."""
    if not applies(request):
        return q
    own = _own_words(q)
    scored = _first_pass(searcher, q, allowed)
    model = relevance_model(searcher, scored, ranking.FEEDBACK_TERMS)
    if not own or not model:
        return q
    # RM3 gives each of the query's own words (1 - w) / |Q| and each added word w * P(word);
    # the query's score is kept as it is and the added words scaled to match, which ranks
    # the same and leaves the query's own part, and its string, untouched.
    scale = ranking.FEEDBACK_WEIGHT / (1.0 - ranking.FEEDBACK_WEIGHT) * len(own)
    boosts = ranking.field_boosts()
    present = set(ranking.default_fields(searcher.reader()))
    added = [query.Term(field, word, boost=scale * weight * boosts[field])
             for (language, word), weight in model.items()
             for field in _fields_for(language) if field in present]
    # Preloaded: one pass over each word's postings into an array of scores. Whoosh's usual
    # tree of unions re-balances itself per block and costs seconds for 150 words.
    return Refined(q, Unmarked(PreloadedOr(added))) if added else q


def _first_pass(searcher: Searcher, q: query.Query,
                allowed: set[int] | None) -> list[tuple[float, dict]]:
    """(score, stored fields) of the FEEDBACK_DOCS best stories, one copy per story."""
    evaluation = vectorized.evaluate(searcher, q)
    if evaluation is None:
        hits = searcher.search(q, limit=ranking.FEEDBACK_DOCS, filter=allowed,
                               collapse=sorting.FieldFacet(schema.CLUSTER), collapse_limit=1)
        return [(hit.score or 0.0, hit.fields()) for hit in hits]
    kept = vectorized.among(evaluation.scored, allowed)
    docs, scores = kept.docs, kept.scores
    stories = cluster_codes(searcher)
    seen: set[int] = set()
    best: list[tuple[float, dict]] = []
    for at in np.lexsort((docs, -scores)):  # Whoosh's order: score, then document number
        story = int(stories[docs[at]])
        if story in seen:
            continue
        seen.add(story)
        best.append((float(scores[at]), searcher.stored_fields(int(docs[at]))))
        if len(best) == ranking.FEEDBACK_DOCS:
            break
    return best


def relevance_model(searcher: Searcher, scored: list[tuple[float, dict]],
                    size: int) -> dict[tuple[str, str], float]:
    """P(word | relevant): each story's word frequencies weighted by its share of the scores.

    Words are keyed by (analysis language, index term), analysed as the story's body
    field analyses them; the `size` most probable are kept and renormalised to sum to 1.
    """
    total = sum(score for score, _ in scored if score > 0)
    if not total:
        return {}
    model: Counter = Counter()
    for score, stored in scored:
        if score <= 0:
            continue
        language = schema.language_of(stored.get(schema.LANGUAGE, ""))
        analyzer = searcher.schema[schema.BODY_FIELDS[language]].analyzer
        text = f"{stored.get(schema.TITLE, '')}\n\n{stored.get(schema.BODY, '')}"[:MAX_TEXT]
        tokens = fast_tokens(analyzer, text, 0)
        counts = Counter(word for _pos, word, _start, _end in tokens) if tokens is not None \
            else Counter(token.text for token in analyzer(text))
        length = sum(counts.values())
        for word, count in counts.items():
            model[(language, word)] += (score / total) * count / length
    top = model.most_common(size)
    mass = sum(weight for _, weight in top)
    return {key: weight / mass for key, weight in top} if mass else {}


def _fields_for(language: str) -> tuple[str, ...]:
    """The ranking fields analysed like that language's body (the lede is English only)."""
    fields = (schema.TITLE_FIELDS[language], schema.BODY_FIELDS[language])
    return fields + (schema.LEDE,) if language == ENGLISH else fields


def _own_words(q: query.Query) -> set[str]:
    """The query's distinct words, as indexed in the body fields (|Q| of RM3)."""
    bodies = set(schema.BODY_FIELDS.values())
    return {text for field, text in q.iter_all_terms() if field in bodies}


class Refined(query.AndMaybe):
    """A query ranked with feedback words added; prints as the query, which is what was asked."""

    def __str__(self) -> str:
        return str(self.a)

    __unicode__ = __str__


class Unmarked(query.WrappingQuery):
    """Adds its score to a match without counting as matched words (so nothing is marked)."""

    unmarked = True  # search/vectorized.py scores the child the same way

    def matcher(self, searcher, context=None):
        return _UnmarkedMatcher(self.child.matcher(searcher, context))


class _UnmarkedMatcher(WrappingMatcher):
    def term_matchers(self):
        return iter(())

    def matching_terms(self, id=None):
        return iter(())
