"""The actors a source gave, normalised and merged with those found in its text.

A source's names are display names already, but not always ours: "President
Reagan" loses its title, "IMF" becomes International Monetary Fund, "U.S."
United States, and a surname the source gave ("Reagan") becomes the full name
the text gives ("Ronald Reagan"), so that one actor has one name.

Order: the actors the source gave come first, in the source's order; then
those found in the text, by first mention (the title counts as coming first).
"""
from __future__ import annotations

from index.actors.aliases import canonical_org, tidy as tidy_org
from index.actors.gazetteer import canonical_place
from index.actors.normalise import People, org_stem, strip_title, tidy


def merge_given(found: tuple[dict[str, float], dict[str, float], dict[str, float]],
                people: tuple[str, ...], organizations: tuple[str, ...],
                places: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    """The source's actors, normalised, then the extracted ones; one name per actor."""
    persons, orgs, found_places = found
    full = People()
    for name, position in persons.items():
        full.first_seen[name] = position
    given_people: list[str] = []
    for name in people:
        name = strip_title(name)
        if not name:
            continue
        if " " in name:
            full.add_full(name, -1.0)
        given_people.append(name)
    out_people = _ordered([full.kept_as(n) for n in given_people], full.first_seen)
    given_orgs = [canonical_org(tidy_org(n)) for n in organizations if tidy_org(n)]
    stems = {org_stem(n) for n in given_orgs}
    extracted_orgs = {n: p for n, p in orgs.items() if org_stem(n) not in stems}
    out_orgs = _ordered(given_orgs, extracted_orgs, tidy_org)
    given_places = [canonical_place(tidy(n)) for n in places if tidy(n)]
    out_places = _ordered(given_places, found_places)
    return out_people, out_orgs, out_places


def _ordered(given: list[str], found: dict[str, float], clean=tidy) -> tuple[str, ...]:
    names = list(dict.fromkeys(given))
    names += [n for n, _ in sorted(found.items(), key=lambda item: item[1]) if n not in names]
    return tuple(n for n in dict.fromkeys(clean(n) for n in names) if n)
