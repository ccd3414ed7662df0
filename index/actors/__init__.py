"""Actors: the people, organisations and places an article is about (placeholder).

`extract_actors` will find them in the title and body and normalise them;
for now it only tidies and de-duplicates what the source gave.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actors:
    people: tuple[str, ...] = ()
    organizations: tuple[str, ...] = ()
    places: tuple[str, ...] = ()


def _tidy(names) -> tuple[str, ...]:
    return tuple(dict.fromkeys(" ".join(n.replace(",", " ").split()) for n in names if n.strip()))


def extract_actors(title: str, body: str, given: Actors = Actors()) -> Actors:
    """Actors found in the text, merged with those the source gave, normalised."""
    return Actors(_tidy(given.people), _tidy(given.organizations), _tidy(given.places))
