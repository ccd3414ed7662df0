"""Print how well actor extraction finds tagged actors, how much else it finds, and its cost.

    python scripts/quality_actors.py [--limit N] [--sample N]

Reuters-21578: every story is read with index.readers.reuters.read_reuters and
extract_actors(title, body, dateline=...) is called, as the pipeline calls it, with
the hand tags withheld (places are also scored without the dateline). A tagged
person counts as found when an extracted person's name ends with the tag's
surname (its last word), case-insensitive; a tagged organisation when its
display name, after alias normalisation, is among the extracted ones; a tagged
place (a country) when some extracted place lies in it (a city in its
country, a US state in the United States, a country in itself, a present-day
country in the past one it succeeded). Then the noise: extracted names per
story, the most frequent names never tagged, and the milliseconds per story.

The sample article (sample-corpus/articles/north-korea-russia-alaska-summit.txt)
is measured twice: end to end through index.pipeline.finish, and with its
boilerplate lines (the "Recommended Stories" block and the other story's
all-caps headline) removed by hand.
"""
from __future__ import annotations

import argparse
import gzip
import random
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from index.actors import Actors, canonical_place, country_of, extract_actors  # noqa: E402
from index.actors.aliases import canonical_org  # noqa: E402
from index.actors.gazetteer import same_country  # noqa: E402
from index.actors.lexicon import load as load_lexicon, norm  # noqa: E402
from index.article import Article, Draft  # noqa: E402
from index.pipeline import finish  # noqa: E402
from index.readers import read_path  # noqa: E402
from index.readers.reuters import read_reuters  # noqa: E402
from index.reuters_codes import load_table  # noqa: E402
from index.settings import REPO_ROOT  # noqa: E402
from index.text import derive_title  # noqa: E402

REUTERS = REPO_ROOT / "sample-corpus" / "reuters21578"
SEED = REPO_ROOT / "sample-corpus" / "articles" / "north-korea-russia-alaska-summit.txt"
SEED_PEOPLE = ["Kim Jong Un", "Vladimir Putin", "Donald Trump", "Volodymyr Zelensky",
               "Karoline Leavitt", "Byacheslav Volodin"]
SEED_PLACES = ["North Korea", "Russia", "Ukraine", "Alaska", "Anchorage", "Kursk"]
SEED_ORGS = ["White House", "Korean People's Army", "North Korea's Ministry of Foreign Affairs"]
SEED_FORBIDDEN = ["Erdogan", "Israel", "Syria", "Druze", "Pakistan",
                  "Balochistan Liberation Army"]


def person_found(tag: str, people: tuple[str, ...]) -> bool:
    surname = tag.split()[-1].lower()
    return any(p.lower() == surname or p.lower().endswith((" " + surname, "-" + surname))
               for p in people)


def place_found(tag: str, places: tuple[str, ...]) -> bool:
    country = canonical_place(tag)
    return any(same_country(country_of(p) or p, country) for p in places)


class Tally:
    def __init__(self) -> None:
        self.tagged = Counter()
        self.found = Counter()
        self.missed = {kind: Counter() for kind in ("people", "organizations", "exchanges",
                                                    "places", "places without dateline")}
        self.untagged = {kind: Counter() for kind in ("people", "organizations", "places")}
        self.extracted = Counter()
        self.stories = 0
        self.unnameable = 0  # missed place tags whose country the text never names
        self.seconds: list[float] = []

    def add(self, kind: str, tag: str, found: bool) -> None:
        self.tagged[kind] += 1
        self.found[kind] += found
        if not found:
            self.missed[kind][tag] += 1

    def recall(self, kind: str) -> str:
        total = self.tagged[kind]
        return f"{self.found[kind] / total:.3f} ({self.found[kind]:,}/{total:,})" if total else "-"


def measure_reuters(limit: int | None) -> Tally:
    exchanges = {name for (kind, _), name in load_table().items() if kind == "exchanges"}
    tally = Tally()
    extract_actors("WARM UP", "The lexicon loads once per process.")
    for path in sorted(REUTERS.glob("*.sgm.gz")):
        for draft in read_reuters(gzip.decompress(path.read_bytes()), path.name):
            if not isinstance(draft, Draft):
                continue
            if limit is not None and tally.stories >= limit:
                return tally
            started = time.perf_counter()
            # As the pipeline calls it: the dateline is the opening of the story's text.
            actors = extract_actors(draft.title, draft.body, dateline=draft.dateline)
            tally.seconds.append(time.perf_counter() - started)
            tally.stories += 1
            _score(tally, draft, actors, exchanges)
            text_only = extract_actors(draft.title, draft.body)
            for tag in draft.places:
                found = place_found(tag, text_only.places)
                tally.add("places without dateline", tag, found)
                if not found and not _text_names_country(f"{draft.title}\n{draft.body}", tag):
                    tally.unnameable += 1
    return tally


def _text_names_country(text: str, tag: str) -> bool:
    """Whether any phrase of the text, in any case, is a place in the tagged country."""
    table = load_lexicon().caseless
    country = canonical_place(tag)
    words = [norm(w) for w in re.findall(r"[^\W_][\w.'-]*", text)]
    for size in (1, 2, 3):
        for i in range(len(words) - size + 1):
            entry = table.get(" ".join(words[i:i + size]))
            if entry is not None and entry.kind in ("place", "demonym") \
                    and same_country(country_of(entry.name) or entry.name, country):
                return True
    return False


def _score(tally: Tally, draft: Draft, actors: Actors, exchanges: set[str]) -> None:
    for tag in draft.people:
        tally.add("people", tag, person_found(tag, actors.people))
    for tag in draft.organizations:
        kind = "exchanges" if tag in exchanges else "organizations"
        tally.add(kind, tag, canonical_org(tag) in actors.organizations)
    for tag in draft.places:
        tally.add("places", tag, place_found(tag, actors.places))
    tally.extracted["people"] += len(actors.people)
    tally.extracted["organizations"] += len(actors.organizations)
    tally.extracted["places"] += len(actors.places)
    for person in actors.people:
        if not any(person_found(tag, (person,)) for tag in draft.people):
            tally.untagged["people"][person] += 1
    tagged_orgs = {canonical_org(t) for t in draft.organizations}
    for org in actors.organizations:
        if org not in tagged_orgs:
            tally.untagged["organizations"][org] += 1
    for place in actors.places:
        if not any(place_found(tag, (place,)) for tag in draft.places):
            tally.untagged["places"][place] += 1


def report_reuters(tally: Tally, sample: int) -> None:
    ms = sorted(s * 1000 for s in tally.seconds)
    print(f"Reuters-21578: {tally.stories:,} stories, tags withheld, text with its dateline "
          "(as indexed)")
    for kind in ("people", "organizations", "exchanges", "places", "places without dateline"):
        print(f"  recall {kind:<14} {tally.recall(kind)}")
    missed = tally.tagged["places without dateline"] - tally.found["places without dateline"]
    print(f"  without the dateline, {tally.unnameable:,} of the {missed:,} missed place tags are "
          f"for a country the title and body never name (Reuters tagged the dateline's country)")
    org_total = tally.tagged["organizations"] + tally.tagged["exchanges"]
    org_found = tally.found["organizations"] + tally.found["exchanges"]
    print(f"  recall organizations and exchanges together "
          f"{org_found / max(org_total, 1):.3f} ({org_found:,}/{org_total:,})")
    for kind in ("people", "organizations", "places"):
        untagged = sum(tally.untagged[kind].values())
        print(f"  extracted {kind:<14} {tally.extracted[kind] / tally.stories:.2f} per story, "
              f"{untagged / max(tally.extracted[kind], 1):.0%} never tagged in that story")
    print(f"  cost: {statistics.mean(ms):.3f} ms per story on average, "
          f"median {ms[len(ms) // 2]:.3f}, "
          f"p99 {ms[int(len(ms) * 0.99)]:.3f}, max {ms[-1]:.1f} ({sum(ms) / 1000:.1f} s in all)")
    rng = random.Random(0)
    for kind in ("people", "organizations", "places"):
        print(f"  most often missed {kind}: "
              + ", ".join(f"{n} ({c})" for n, c in tally.missed[kind].most_common(12)))
        common = ", ".join(f"{n} ({c})" for n, c in tally.untagged[kind].most_common(15))
        print(f"  most frequent never-tagged {kind}: {common}")
        names = sorted(tally.untagged[kind])
        print(f"  sample of never-tagged {kind}: "
              + ", ".join(rng.sample(names, min(sample, len(names)))))


def _seed_line(label: str, actors: Actors) -> None:
    everything = set(actors.people) | set(actors.organizations) | set(actors.places)
    expected = [("people", SEED_PEOPLE, actors.people), ("places", SEED_PLACES, actors.places),
                ("organizations", SEED_ORGS, actors.organizations)]
    found = sum(name in got for _, names, got in expected for name in names)
    total = sum(len(names) for _, names, _ in expected)
    missing = [name for _, names, got in expected for name in names if name not in got]
    leaked = [name for name in SEED_FORBIDDEN if any(name in actor for actor in everything)]
    print(f"  {label}: {found}/{total} listed actors found"
          + (f", missing {missing}" if missing else "")
          + f"; boilerplate-only names: {leaked or 'none'}")
    print(f"    people {list(actors.people)}\n    organizations {list(actors.organizations)}"
          f"\n    places {list(actors.places)}")


def report_seed() -> None:
    print(f"Sample article {SEED.name}")
    article = next(r for d in read_path(SEED) if isinstance(d, Draft)
                   for r in finish(d) if isinstance(r, Article))
    _seed_line("end to end (index.pipeline.finish)",
               Actors(article.people, article.organizations, article.places))
    paragraphs = [p for p in article.body.split("\n\n")
                  if not (p.startswith("- ") or p == "Recommended Stories" or p.isupper())]
    body = "\n\n".join(paragraphs)
    _seed_line("boilerplate lines removed by hand", extract_actors(derive_title(body), body))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, default=None, help="stories to read (default all)")
    parser.add_argument("--sample", type=int, default=20, help="never-tagged names to show")
    args = parser.parse_args(argv)
    report_seed()
    report_reuters(measure_reuters(args.limit), args.sample)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
