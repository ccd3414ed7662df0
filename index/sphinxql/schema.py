"""The SphinxQL tier's index layout: one real-time index of articles and one of names per shard.

Sphinx 2.2's real-time indexes keep no text of their full-text fields, and
their multi-value attributes hold integers only. So:
- every full-text field is also kept whole in a string attribute (`stored`,
  the article's stored fields as JSON), from which results, the article page
  and CALL SNIPPETS are served: the string-attribute choice, not a side store;
- each facet value (a person, an organisation, a place, a tag, a source...)
  is a 63-bit number (`value_id`) in a 64-bit multi-value attribute, and its
  name lives in the `names` real-time index of the same shard, keyed by that
  number, so a facet's numbers turn back into names with one query to the head.

Documents are keyed by `doc_id(article id)`; an article goes to the shard
`crc32(cluster) % shards`, so every copy of a syndicated story lives on one
shard and collapsing by story stays exact.
"""
from __future__ import annotations

import hashlib
import zlib

ARTICLES = "articles"  # the real-time index on each shard; the head's distributed index too
NAMES = "names"  # facet value number -> name, on each shard; distributed on the head

# Full-text fields, by the name the query translation scopes them with (`@people putin`).
FIELDS = ("title", "body", "people", "organizations", "places", "actors", "source", "section",
          "tags", "language", "dateline", "quote", "speaker")

# Attributes: (name, Sphinx config type). `stored` holds the article's stored fields as JSON.
ATTRIBUTES = (
    ("article_id", "rt_attr_string"),
    ("cluster_id", "rt_attr_bigint"),  # value_id(cluster): GROUP BY for collapsing
    ("published", "rt_attr_bigint"),  # seconds since 1970 (may be negative); 0 when undated
    ("day", "rt_attr_uint"),  # days since 1900-01-01: date filters and histograms
    ("dated", "rt_attr_uint"),  # 1 when published is known
    # Facets count exact values (value_id(kind, name)); filters match whole values with
    # spaces collapsed and case ignored (rows.key), as search/filters.py does.
    ("source_value", "rt_attr_bigint"), ("source_key", "rt_attr_bigint"),
    ("section_value", "rt_attr_bigint"), ("section_key", "rt_attr_bigint"),
    ("language_value", "rt_attr_bigint"), ("language_key", "rt_attr_bigint"),
    ("people_values", "rt_attr_multi_64"), ("people_keys", "rt_attr_multi_64"),
    ("organizations_values", "rt_attr_multi_64"), ("organizations_keys", "rt_attr_multi_64"),
    ("places_values", "rt_attr_multi_64"), ("places_keys", "rt_attr_multi_64"),
    ("tags_values", "rt_attr_multi_64"), ("tags_keys", "rt_attr_multi_64"),
    ("actors_keys", "rt_attr_multi_64"),  # people, organisations and places: `actor=`
    ("stored", "rt_attr_string"),
)

NAME_FIELDS = ("name",)
NAME_ATTRIBUTES = (("kind", "rt_attr_string"), ("label", "rt_attr_string"))

# Sphinx's index settings for ARTICLES (English stemming; exact forms for `=word`; prefixes
# for `putin*`). Other languages are stemmed as English here: a stated difference.
INDEX_SETTINGS = (
    ("dict", "keywords"),
    ("morphology", "stem_en"),
    ("index_exact_words", "1"),
    ("min_prefix_len", "2"),
    ("min_word_len", "1"),
    ("charset_table", "non_cjk"),
    ("html_strip", "0"),
    ("rt_mem_limit", "256M"),
)


def _number63(text: str) -> int:
    """A stable, non-zero 63-bit number for a string (Sphinx ids and values are unsigned)."""
    digest = hashlib.sha1(text.encode("utf-8")).digest()
    return (int.from_bytes(digest[:8], "big") & ((1 << 63) - 1)) or 1


def doc_id(article_id: str) -> int:
    """The Sphinx document id of an article."""
    return _number63("article\x1f" + article_id)


def value_id(kind: str, value: str) -> int:
    """The number of a facet value (`kind` keeps a person and a place of one name apart)."""
    return _number63(kind + "\x1f" + value)


def shard_of(cluster: str, shards: int) -> int:
    """Which shard an article goes to: by its story cluster, so copies of a story share one."""
    return zlib.crc32(cluster.encode("utf-8")) % shards
