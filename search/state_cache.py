"""What is derived from one index state, built once per process and shared by its threads.

Each request thread has its own Whoosh searcher (a searcher's file reads are
not thread-safe), but a column read into a list, facet codes, a vocabulary or
a decoded posting list are the same for every thread until the index changes.
A segment never changes once written, but for deletions, which only grow: the
segments' ids and deletion counts name the state. Only the newest KEPT_STATES
states are kept, so memory follows the live index, not its history.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import TypeVar

from whoosh.searching import Searcher

KEPT_STATES = 2  # the live state and the one before it (requests still finishing on it)
T = TypeVar("T")

_states: OrderedDict[tuple, dict] = OrderedDict()
_states_lock = threading.Lock()


def state_key(searcher: Searcher) -> tuple:
    segments = [leaf.segment() for leaf, _ in searcher.reader().leaf_readers()]
    return tuple((segment.segment_id(), segment.deleted_count())
                 for segment in segments if segment is not None)


def _state(searcher: Searcher) -> dict:
    held = searcher.__dict__.get("_morgue_state")
    if held is not None and _states.get(held[0]) is held[1]:
        return held[1]
    key = state_key(searcher) if held is None else held[0]
    with _states_lock:
        state = _states.get(key)
        if state is None:
            # A searcher still open on a state dropped from the registry brings it back, so
            # every searcher of one state shares one copy.
            state = held[1] if held is not None else {"_lock": threading.RLock()}
            _states[key] = state
            while len(_states) > KEPT_STATES:
                _states.popitem(last=False)
        else:
            _states.move_to_end(key)
    searcher.__dict__["_morgue_state"] = (key, state)
    return state


def cached(searcher: Searcher, name: object, build: Callable[[], T]) -> T:
    """`build()` for this index state, made by the first thread that asks."""
    state = _state(searcher)
    found = state.get(name)
    if found is None:
        with state["_lock"]:  # re-entrant: one build may ask for another (codes need columns)
            found = state.get(name)
            if found is None:
                found = state[name] = build()
    return found
