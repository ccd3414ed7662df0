"""Why a result matched, and why a search found nothing.

`explain_hit` lists the query's terms that matched the document, per field,
with each one's share of the BM25F score. `diagnose` answers a zero-result
search by taking away one clause or filter at a time and saying which one,
removed, would let results through ("without NOT opinion there would be 412").
"""
from __future__ import annotations

from whoosh import query
from whoosh.searching import Hit, Searcher

from index import schema
from search.request import SearchRequest
from search.vectorized import matching

_FIELD_NAMES = {field: scope for scope, fields in reversed(list(schema.QUERY_SCOPES.items()))
                for field in fields}


def _scope(field: str) -> str:
    """The name a user would type for a field (body_de is `body`)."""
    return _FIELD_NAMES.get(field, field)


def _leaf_score(searcher: Searcher, leaf: query.Query, docnum: int) -> float:
    matcher = leaf.matcher(searcher)
    if matcher.is_active():
        matcher.skip_to(docnum)
    if matcher.is_active() and matcher.id() == docnum:
        return matcher.score()
    return 0.0


def explain_hit(searcher: Searcher, q: query.Query, hit: Hit) -> dict:
    """The matched terms and fields of one hit and the score each contributed."""
    parts = []
    for leaf in q.leaves():
        if isinstance(leaf, (query.Term, query.Phrase)):
            score = _leaf_score(searcher, leaf, hit.docnum)
            if score:
                text = getattr(leaf, "text", None) or " ".join(getattr(leaf, "words", []))
                parts.append({"field": _scope(leaf.field()), "index_field": leaf.field(),
                              "term": text, "score": round(score, 4)})
    matched = sorted({(_scope(field), term.decode("utf-8") if isinstance(term, bytes) else term)
                      for field, term in (hit.matched_terms() or [])})
    parts.sort(key=lambda part: -part["score"])
    # Sorted by date, a hit's "score" is its sort key (a tuple): no score to report.
    score = hit.score if isinstance(hit.score, (int, float)) else None
    return {"score": round(score, 4) if score is not None else None,
            "matched": [{"field": field, "term": term} for field, term in matched],
            "parts": parts}


def _clauses(q: query.Query) -> list[query.Query]:
    if isinstance(q, query.And):
        return list(q.subqueries)
    if isinstance(q, query.AndNot):
        return [q.a, query.Not(q.b)]
    return [q]


def _describe(clause: query.Query) -> str:
    if isinstance(clause, query.Not):
        return f"NOT {_describe(clause.query)}"
    words = sorted({text.decode("utf-8") if isinstance(text, bytes) else str(text)
                    for _field, text in clause.iter_all_terms()})
    return " ".join(words) or str(clause)


def diagnose(searcher: Searcher, request: SearchRequest, q: query.Query,
             allowed: set[int] | None, budget=None) -> dict | None:
    """Which single clause or filter empties the results, and how many there would be without it.

    Each clause taken away is a search of its own: with a `budget` (search.limits.Budget)
    that is spent, the clauses not tried yet are not tried (the advice is only advice).
    """
    candidates: list[tuple[str, int]] = []
    clauses = _clauses(q)
    if len(clauses) > 1:
        for i, clause in enumerate(clauses):
            if budget is not None and budget.expired():
                break
            rest = clauses[:i] + clauses[i + 1:]
            others = rest[0] if len(rest) == 1 else query.And(rest)
            docs = matching(searcher, others)
            if allowed is not None:
                docs &= allowed
            if docs:
                candidates.append((_describe(clause), len(docs)))
    if allowed is not None:
        unfiltered = len(matching(searcher, q))
        if unfiltered:
            labels = [f"{name}={value}" for name, value in request.filters]
            if request.date_from or request.date_to:
                labels.append("the date range")
            candidates.append((" and ".join(labels) or "the filters", unfiltered))
    if not candidates:
        return {"message": "0 results: no article matches any part of this search",
                "clause": None, "count": 0}
    # The least drastic relaxation: of the removals that bring results back, the one that
    # brings back the fewest is closest to what was asked.
    clause, count = min(candidates, key=lambda item: item[1])
    return {"message": f"0 results; without {clause} there would be {count:,}",
            "clause": clause, "count": count}
