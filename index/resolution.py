"""People across the archive: a surname alone is the person the archive knows by it.

Within one article the extractor already merges "Putin" into "Vladimir
Putin". But most wire stories name a well-known person by surname only
("President Reagan"), and Reuters' own tags are surnames, so the archive
would list "Reagan" and "Ronald Reagan" as two people. After a build, every
one-word person name is checked against the full names the archive holds with
that surname: when one of them accounts for at least MIN_SHARE of their
mentions (ignoring names seen only once, mostly extraction noise), the surname
becomes that full name in every article that has it. "Baker", shared by James
and Howard Baker, stays "Baker" unless one of them dominates.

The documents are rewritten with their original content hash, so an
incremental run still sees the input as unchanged.
"""
from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict

from whoosh.index import FileIndex

from index import clusters, schema, segment_writer
from index.columns import column

MIN_SHARE = 0.8
MIN_MENTIONS = 2


def person_aliases(counts: Counter) -> dict[str, str]:
    """{surname: full name} for the one-word names the archive can resolve."""
    by_surname: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for name, mentions in counts.items():
        words = name.split()
        if len(words) >= 2 and mentions >= MIN_MENTIONS:
            by_surname[words[-1].casefold()].append((mentions, name))
    aliases = {}
    for name in counts:
        candidates = by_surname.get(name.casefold()) if len(name.split()) == 1 else None
        if not candidates:
            continue
        mentions, best = max(candidates)
        if mentions >= MIN_SHARE * sum(count for count, _ in candidates):
            aliases[name] = best
    return aliases


def _resolved(people: tuple[str, ...], aliases: dict[str, str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(aliases.get(name, name) for name in people))


def resolve_people(ix: FileIndex, commit) -> dict[str, str]:
    """Rewrite the articles whose people include a resolvable surname; return the aliases.

    `commit` is the writer's safe commit (it releases the lock if the commit fails).
    """
    with ix.reader() as reader:
        people = column(reader, schema.FACET_COLUMNS[schema.PEOPLE])
        per_doc = {doc: schema.facet_values(people[doc]) for doc in reader.all_doc_ids()}
        aliases = person_aliases(Counter(name for names in per_doc.values() for name in names))
        affected = [doc for doc, names in per_doc.items() if any(n in aliases for n in names)]
        sketches = column(reader, schema.SKETCH)
        stored = [(reader.stored_fields(doc), clusters.decode(sketches[doc])) for doc in affected]
    if not affected:
        return aliases
    writer = segment_writer.writer(ix)
    try:
        for fields, sketch in stored:
            article = schema.from_stored(fields)
            article = dataclasses.replace(article, sketch=sketch,
                                          people=_resolved(article.people, aliases))
            writer.update_document(**schema.to_document(
                article, fields[schema.INDEXED], content_hash=fields[schema.CONTENT_HASH]))
    except BaseException:
        writer.cancel()
        raise
    commit(writer)
    return aliases
