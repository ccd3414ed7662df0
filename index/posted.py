"""Articles written through the API: the posted body, each article's verdict, and replay.

A posted article goes through exactly what a JSON Lines file's record goes
through (`records.draft_from_mapping`, then `pipeline.finish`), once in the
request to give the client its id or the reason it was rejected, and again
when the journal entry is applied or replayed into a new generation. The
journal keeps the object as posted, with the id it was given, so a replay
gives the same id even when the article had none of its own.

The API is stricter than a file about ids: a file's id outside the id set is
hashed into it, but a client that chose an id needs that id to update or
delete the article later, so an invalid one rejects the article instead.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from index import ids
from index.article import Article, Problem, Record
from index.errors import BadRequest
from index.journal import DELETE, PUT, Entry, Journal, final_ops
from index.pipeline import finish_all
from index.readers.json_reader import looks_like_lines, wrapped_array
from index.records import draft_from_mapping

NDJSON_TYPES = frozenset({"application/x-ndjson", "application/ndjson", "application/jsonl",
                          "application/x-jsonlines", "application/jsonlines"})
ORIGIN = "api"
MAX_DEPTH = 64  # levels of nested arrays and objects in a posted body; an article needs three


@dataclass(frozen=True)
class Submission:
    """One posted article as checked: the Article to journal, or the reason it was rejected."""

    index: int
    id: str | None  # the article's id; for a rejected one, the id it was posted with
    article: Article | None
    mapping: dict | None = None  # the object as posted, with its id: what the journal keeps
    reason: str = ""
    notes: tuple[str, ...] = ()


def _bad_body(message: str) -> BadRequest:
    return BadRequest(message, param="body")


def _loads(text: str, where: str) -> object:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _bad_body(f"{where} is not valid JSON: {exc.msg} at line {exc.lineno}, "
                        f"column {exc.colno}") from None
    except (ValueError, RecursionError) as exc:  # a 5,000-digit number, [[[[... nested
        raise _bad_body(f"{where} is JSON that cannot be read: {type(exc).__name__}") from None
    if _too_deep(data):
        raise _bad_body(f"{where} nests arrays and objects more than {MAX_DEPTH} levels deep")
    return data


def _too_deep(data: object) -> bool:
    """Deeper than MAX_DEPTH, counted without recursion. json.loads reads nearly a thousand
    levels, but whatever walks the object later (the journal's json.dumps, str() of a list)
    does it from deeper in the stack and would fail with a RecursionError: a 500."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, (dict, list)):
            if depth > MAX_DEPTH:
                return True
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children)
    return False


def _lines(text: str) -> list[object]:
    return [_loads(line, f"body line {number}")
            for number, line in enumerate(text.splitlines(), 1) if line.strip()]


def _document(text: str) -> list[object]:
    """A JSON body as a list of objects; NDJSON sent without its content type is read as such."""
    if looks_like_lines(text):
        try:
            json.loads(text)
        except json.JSONDecodeError as exc:
            if exc.msg == "Extra data":
                return _lines(text)
        except (ValueError, RecursionError):
            pass
    data = _loads(text, "body")
    if isinstance(data, Mapping):
        return wrapped_array(data) or [data]  # {"articles": [...]}, as news APIs export
    if isinstance(data, list):
        return data
    raise _bad_body(f"body must be a JSON object, an array of objects or NDJSON "
                    f"(got {type(data).__name__})")


def parse_body(data: bytes, mimetype: str = "") -> list[object]:
    """The posted objects: a JSON object, an array of them, or NDJSON (by type, else content)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _bad_body(f"body is not UTF-8 (byte {exc.start})") from None
    if not text.strip():
        raise _bad_body("body is empty: send a JSON object, an array of them, or NDJSON")
    objects = _lines(text) if mimetype in NDJSON_TYPES else _document(text)
    if not objects:
        raise _bad_body("body holds no articles")
    return objects


def _id_problem(obj: Mapping) -> str | None:
    value = obj.get("id")
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return f"id must be a string (got {type(value).__name__})"
    if not ids.is_valid_id(str(value)):
        return (f"id {str(value)[:80]!r} is not valid: an id is 1 to 200 characters "
                "from A-Z a-z 0-9 . _ : ~ -")
    return None


def _text_problem(obj: Mapping) -> str | None:
    """Why the object cannot be journaled as posted: JSON's "\\ud800" is a lone surrogate,
    no character, and cannot be written as UTF-8 (the journal is UTF-8 JSON)."""
    try:
        json.dumps(obj, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        return (f"holds {exc.object[exc.start:exc.end]!r}, a lone surrogate, which is no "
                "character: send text as UTF-8")
    return None


def check(index: int, obj: object) -> Submission:
    """Extract one posted object as the reindex script would, or say why it is rejected."""
    given = obj.get("id") if isinstance(obj, Mapping) else None
    given = given if isinstance(given, str) and given else None
    if isinstance(obj, Mapping):
        problem = _id_problem(obj) or _text_problem(obj)
        if problem:
            return Submission(index, given, None, reason=problem)
    records = finish_all(list(draft_from_mapping(obj, f"{ORIGIN}#item={index}")))
    notes = tuple(r.reason for r in records if isinstance(r, Problem) and not r.skipped)
    article = next((r for r in records if isinstance(r, Article)), None)
    if article is None:
        reason = next((r.reason for r in records if isinstance(r, Problem) and r.skipped),
                      "not an article")
        return Submission(index, given, None, reason=reason, notes=notes)
    return Submission(index, article.id, article, {**obj, "id": article.id}, notes=notes)


def check_all(objects: list[object]) -> list[Submission]:
    return [check(index, obj) for index, obj in enumerate(objects)]


def _exists(article_id: str, present: set[str], pending: Mapping[str, Entry]) -> bool:
    """Whether the id is in the archive once the pending journal entries are applied."""
    entry = pending.get(article_id)
    return entry.op == PUT if entry is not None else article_id in present


def accept(journal: Journal, submissions: list[Submission], present: set[str],
           applied: int) -> dict:
    """Journal the accepted articles durably; the 202 body, one result per article in order.

    `present` holds the ids in the live index, read after `applied` (the journal seq it
    includes), so the pending entries after `applied` correct it, never the other way round.
    """
    pending = dict(final_ops(journal.entries(applied)))
    results, ops = [], []
    for item in submissions:
        if item.article is None:
            result = {"index": item.index, "id": item.id, "status": "rejected",
                      "reason": item.reason}
        else:
            article_id = item.article.id
            status = "updated" if _exists(article_id, present, pending) else "indexed"
            pending[article_id] = Entry(0, PUT, article_id)  # a later copy in this body updates
            result = {"index": item.index, "id": article_id, "status": status}
            ops.append((PUT, article_id, item.mapping))
        if item.notes:
            result["notes"] = list(item.notes)
        results.append(result)
    entries = journal.append(ops)
    seqs = iter(entry.seq for entry in entries)
    for result in results:
        if result["status"] != "rejected":
            result["seq"] = next(seqs)
    return {"results": results, "accepted": len(entries),
            "rejected": len(results) - len(entries),
            "seq": entries[-1].seq if entries else None}


def accept_delete(journal: Journal, article_id: str, present: set[str],
                  applied: int) -> Entry | None:
    """Journal the deletion of an article the archive holds; None when it holds no such id."""
    pending = final_ops(journal.entries(applied))
    if not _exists(article_id, present, pending):
        return None
    return journal.append([(DELETE, article_id, None)])[0]


def warm_up() -> None:
    """Load the extraction's tables and models now, so the first POST does not wait seconds."""
    check(0, {"title": "Warm-up", "body": "Officials in Paris said on Monday, \"All is well.\""})


def records(entries: Iterable[Entry]) -> Iterator[Record]:
    """The finished records of journaled puts, through the same pipeline as a file's."""
    for entry in entries:
        if entry.op == PUT:
            drafts = list(draft_from_mapping(entry.article, f"{ORIGIN}#seq={entry.seq}"))
            yield from finish_all(drafts)
