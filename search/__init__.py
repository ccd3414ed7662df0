"""Morgue's read path: request -> Whoosh query -> hits, facets, snippets -> plain data.

Nothing here imports Flask; nothing Whoosh leaves this package. Callers use:
`parse_request` to validate raw parameters, `Archive` for the live index, and
`run_search` / `get_article` for answers.
"""
from search.archive import Archive
from search.request import SearchRequest, parse_request
from search.service import Limits, get_article, get_related, get_suggestions, run_search

__all__ = ["Archive", "Limits", "SearchRequest", "get_article", "get_related",
           "get_suggestions", "parse_request", "run_search"]
