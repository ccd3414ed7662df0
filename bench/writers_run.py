"""The writers trial's client threads: what each writer sends, what each reader asks.

Writer n owns the article numbers n, n + W, n + 2W, ... and is the only one
to write about their ids, waiting for each answer before its next write, so
every id's acknowledged writes have a known order. It posts new articles
(alone as an object, or 2 to max_batch as an array or NDJSON), and for every
article acknowledged earns credit towards a delete, a replacement (a new
version in a later batch) and a deliberately bad write, each of which it
spends when the credit reaches one. It also deletes its share of a few
articles of the source files, spread over its run: a rebuild reads those
files again, so only the journal keeps them deleted.

Readers search for the marker of an article picked from the ledger (half the
time a recently acknowledged one), and now and then for something general.
"""
from __future__ import annotations

import json
import random
import threading
import time
from pathlib import Path
from urllib.parse import quote, urlencode

from bench.writers_ledger import (Answer, Client, Expected, Ledger, article_id, marker,
                                  revision_word)
from search import Archive, parse_request, run_search

ARTICLES = "/api/v1/articles"
SINGLE_SHARE = 0.4  # of new-article requests that carry one article
NDJSON_SHARE = 0.25  # of batches sent as NDJSON rather than a JSON array
BAD_WRITES = ("wrong_token", "bad_json", "invalid_id", "unknown_delete")
COMMODITIES = ("cocoa", "coffee", "sugar", "wheat", "copper", "cotton", "rubber", "tin",
               "soybean", "barley", "zinc", "palm oil")
PLACES = ("Rotterdam", "Chicago", "Singapore", "Abidjan", "Santos", "London", "Mumbai",
          "Jakarta", "Lagos", "Hamburg", "Sydney", "Buenos Aires")
SENTENCES = (
    "Traders in {place} said {commodity} shipments were running late this week.",
    "Exporters expect {commodity} output to rise by {n} percent next season.",
    "Dealers in {place} reported thin business as buyers waited for the {commodity} report.",
    "Warehouse stocks of {commodity} fell for the {n}th week in a row.",
    "A government official in {place} said the {commodity} quota would not change.",
    "Prices of {commodity} closed {n} cents higher after a late rally.",
    "Analysts said demand for {commodity} from {place} remained weak.",
    "Port workers in {place} ended a strike that had held up {commodity} cargoes.",
    "Rain in the growing areas lifted hopes for the {commodity} crop.",
    "Shipping rates from {place} rose {n} percent on strong {commodity} demand.",
)
GENERAL_QUERIES = ({"q": "cocoa", "facets": "source,place"}, {"q": "prices OR shipments"},
                   {"q": "*", "sort": "indexed", "facets": "published"},
                   {"q": "report", "sort": "newest"}, {"q": "wheat -rain"})


def article(number: int, version: int, rng: random.Random) -> dict:
    """Version `version` of article `number`: its marker in title and body, a revision word."""
    commodity = rng.choice(COMMODITIES)
    sentences = [template.format(place=rng.choice(PLACES), n=rng.randint(2, 40),
                                 commodity=rng.choice(COMMODITIES))
                 for template in rng.sample(SENTENCES, 4)]
    return {"id": article_id(number), "title": f"{commodity.title()} report {marker(number)}",
            "body": f"{marker(number)}: {' '.join(sentences)} "
                    f"Revision {revision_word(number, version)}.",
            "published": f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T"
                         f"{rng.randint(0, 23):02d}:00:00Z",
            "source": "Writers Trial"}


def source_ids(index_dir: Path, wanted: int, seed: int) -> list[str]:
    """`wanted` ids of articles the source files gave, to delete through the API."""
    if wanted < 1:
        return []
    response = run_search(Archive(index_dir), parse_request(
        {"q": ["*"], "collapse": ["none"], "sort": ["oldest"], "page_size": ["100"],
         "fields": ["id"]}))
    ids = [result["id"] for result in response["results"]
           if not result["id"].startswith("wt-")]
    return random.Random(seed).sample(ids, min(wanted, len(ids)))


class Plan:
    """What the threads share: the configuration, the ledger, the rebuild's timing."""

    def __init__(self, config, ledger: Ledger, token: str, deadline: float) -> None:
        self.config, self.ledger, self.deadline = config, ledger, deadline
        self.auth = {"Authorization": f"Bearer {token}"}
        self.posted = 0  # new articles sent
        self.writers_done = 0
        self.rebuild_done = threading.Event()
        self.rebuild_started: float | None = None
        self.rebuilt_at: float | None = None
        self._lock = threading.Lock()
        self.rebuild_after = max(1, int(config.articles * config.rebuild_at))
        self.gate = max(self.rebuild_after, int(config.articles * config.gate_at))

    def out_of_time(self) -> bool:
        return time.monotonic() > self.deadline

    def take(self, numbers: list[int], wanted: int) -> list[int]:
        """Up to `wanted` of this writer's numbers, counted as posted; none past the gate
        while the rebuild runs (so exactly the last tenth waits for it)."""
        with self._lock:
            if not self.rebuild_done.is_set():
                wanted = min(wanted, self.gate - self.posted)
            taken = numbers[:max(0, wanted)]
            del numbers[:len(taken)]
            self.posted += len(taken)
        return taken

    def wait_at_gate(self) -> None:
        """The last tenth waits until the rebuild has switched (or failed, or time is up)."""
        if self.posted >= self.gate:
            self.rebuild_done.wait(max(0.0, self.deadline - time.monotonic()))

    def wait_for_rebuild_turn(self) -> None:
        """Until half the articles are acknowledged (or every writer waits, or is done)."""
        while not self.out_of_time():
            if (self.ledger.counts["acknowledged"] >= self.rebuild_after
                    or self.posted >= self.gate or self.writers_done == self.config.writers):
                return
            time.sleep(0.02)

    def since_rebuild(self) -> float | None:
        return None if self.rebuilt_at is None else round(time.monotonic() - self.rebuilt_at, 2)


def _is_error(answer: Answer, status: int, code: str) -> bool:
    """The documented refusal: this status and {"error": {"code": ..., "message": ...}}."""
    error = answer.data.get("error") if isinstance(answer.data, dict) else None
    return (answer.status == status and isinstance(error, dict) and error.get("code") == code
            and bool(error.get("message")))


class Writer:
    def __init__(self, plan: Plan, number: int, client: Client, victims: list[str]) -> None:
        config = plan.config
        self.plan, self.ledger, self.client, self.victims = plan, plan.ledger, client, victims
        self.rng = random.Random(config.seed * 1009 + number)
        self.numbers = list(range(number, config.articles, config.writers))
        # Remaining-article counts at which to delete each source article: spread evenly.
        self.victims_due = [len(self.numbers) * (len(victims) - i) // (len(victims) + 1)
                            for i in range(len(victims))]
        self.live: list[int] = []  # my acknowledged, undeleted article numbers
        self.versions: dict[int, int] = {}
        self.credit = {"delete": 0.0, "replace": 0.0, "refuse": 0.0}
        self.invalid_next = False
        self.last_seq = 0

    def run(self) -> None:
        while self.numbers and not self.plan.out_of_time():
            self.plan.wait_at_gate()
            if self.victims_due and len(self.numbers) <= self.victims_due[0]:
                self.victims_due.pop(0)
                self.delete(self.victims.pop())
            elif self.credit["refuse"] >= 1:
                self.credit["refuse"] -= 1
                self.bad_write(self.rng.choice(BAD_WRITES))
            elif self.credit["delete"] >= 1 and self.live:
                self.credit["delete"] -= 1
                self.delete()
            else:
                self.post()
        while self.victims and not self.plan.out_of_time():
            self.delete(self.victims.pop())

    def _seq(self, seq: object, what: str) -> int:
        """Seqs rise with every acknowledged write, so each of mine exceeds the one before."""
        if not isinstance(seq, int) or seq <= self.last_seq:
            self.ledger.problem("seq out of order", f"{what}: seq {seq} after {self.last_seq}")
            return seq if isinstance(seq, int) else 0
        self.last_seq = seq
        return seq

    def post(self) -> None:
        rng, config = self.rng, self.plan.config
        size = 1 if rng.random() < SINGLE_SHARE else rng.randint(2, config.max_batch)
        items = [(number, 1) for number in self.plan.take(self.numbers, size)]
        if not items:
            return  # at the gate: wait_at_gate holds this writer until the rebuild is done
        if self.credit["replace"] >= 1 and self.live:
            self.credit["replace"] -= 1
            number = rng.choice(self.live)
            items.append((number, self.versions[number] + 1))
        objects = [article(number, version, rng) for number, version in items]
        if self.invalid_next:
            objects.append({"id": "bad id!", "title": "Refused", "body": "An invalid id."})
        answer = self._send(objects, [article_id(number) for number, _ in items])
        results = answer.data.get("results") if isinstance(answer.data, dict) else None
        if answer.status != 202 or not isinstance(results, list) or len(results) != len(objects):
            self.ledger.problem("writes refused", f"POST {len(objects)}: {answer.status} "
                                                  f"{answer.text[:200]}")
            return
        for (number, version), obj, result in zip(items, objects, results):
            self._acknowledged(number, version, obj, result)
        if self.invalid_next:
            self.invalid_next = False
            if results[-1].get("status") == "rejected" and results[-1].get("reason"):
                self.ledger.count("refused")
            else:
                self.ledger.problem("bad write accepted", f"invalid id: {results[-1]}")
        new = sum(1 for _, version in items if version == 1)
        for kind, share in (("delete", config.delete_share), ("replace", config.replace_share),
                            ("refuse", config.refuse_share)):
            self.credit[kind] += new * share

    def _send(self, objects: list[dict], ids: list[str]) -> Answer:
        rng = self.rng
        if len(objects) == 1 and rng.random() < 0.5:
            body, kind = json.dumps(objects[0]), "application/json"
        elif rng.random() < NDJSON_SHARE:
            body = "".join(json.dumps(obj) + "\n" for obj in objects)
            kind = "application/x-ndjson"
        else:
            body, kind = json.dumps(objects), "application/json"
        self.ledger.begin(ids)
        try:
            return self.client.call("POST", ARTICLES, body.encode("utf-8"),
                                    {**self.plan.auth, "Content-Type": kind})
        finally:
            self.ledger.end(ids)

    def _acknowledged(self, number: int, version: int, obj: dict, result: dict) -> None:
        status = result.get("status")
        if status not in ("indexed", "updated") or result.get("id") != obj["id"]:
            self.ledger.problem("writes refused", f"{obj['id']} v{version}: {result}")
            return
        seq = self._seq(result.get("seq"), f"{obj['id']} v{version}")
        if status != ("indexed" if version == 1 else "updated"):
            self.ledger.count(f"status said {status} for version {min(version, 2)}")
        self.ledger.put(number, version, obj["body"], seq)
        if version == 1:
            self.live.append(number)
        self.versions[number] = version

    def delete(self, key: str | None = None) -> None:
        """Delete an article of the source files (`key`), or one of my acknowledged ones."""
        number = None
        if key is None:
            number = self.live.pop(self.rng.randrange(len(self.live)))
            key = article_id(number)
        self.ledger.begin([key])
        try:
            answer = self.client.call("DELETE", f"{ARTICLES}/{quote(key)}", None, self.plan.auth)
        finally:
            self.ledger.end([key])
        data = answer.data if isinstance(answer.data, dict) else {}
        if answer.status == 202 and data.get("status") == "deleted":
            self.ledger.delete(key, self._seq(data.get("seq"), f"delete {key}"))
        elif answer.status == 404 and self.client.retried:
            self.ledger.delete(key, 0)  # the first attempt got through before its connection died
        else:
            self.ledger.problem("writes refused", f"DELETE {key}: {answer.status} "
                                                  f"{answer.text[:200]}")
            if number is not None:
                self.live.append(number)

    def bad_write(self, kind: str) -> None:
        """A write that must be refused with a 4xx in the JSON error shape (or per article)."""
        if kind == "invalid_id":
            self.invalid_next = True  # rides along with the next batch
            return
        if kind == "wrong_token":
            answer = self.client.call("POST", ARTICLES, b'{"title": "x", "body": "y"}',
                                      {"Authorization": "Bearer not-the-token",
                                       "Content-Type": "application/json"})
            good = _is_error(answer, 401, "unauthorized")
        elif kind == "bad_json":
            answer = self.client.call("POST", ARTICLES, b'[{"title": "unterminated',
                                      {**self.plan.auth, "Content-Type": "application/json"})
            good = _is_error(answer, 400, "bad_request")
        else:
            answer = self.client.call("DELETE", f"{ARTICLES}/wt-never-{self.rng.randrange(10**9)}",
                                      None, self.plan.auth)
            good = _is_error(answer, 404, "not_found")
        if good:
            self.ledger.count("refused")
        else:
            self.ledger.problem("bad write not refused as documented",
                                f"{kind}: {answer.status} {answer.text[:200]}")


def run_writer(plan: Plan, number: int, client: Client, victims: list[str]) -> None:
    try:
        Writer(plan, number, client, victims).run()
    except Exception as exc:  # noqa: BLE001 - the trial reports it and fails
        plan.ledger.problem("writer crashed", f"writer {number}: {type(exc).__name__}: {exc}")
    finally:
        client.close()
        with plan._lock:
            plan.writers_done += 1


def reader(plan: Plan, number: int, client: Client, stop: threading.Event, cap: int) -> None:
    """Search for markers of written articles (and now and then something general)."""
    rng = random.Random(plan.config.seed * 7919 + number)
    settled: dict[str, int] = {}
    try:
        for request in range(cap):
            if stop.is_set() or plan.out_of_time():
                return
            if request % 7 == 6:
                params = rng.choice(GENERAL_QUERIES)
                _read(plan, client, "/api/v1/search?" + urlencode(params))
                continue
            seen: Expected | None = plan.ledger.sample(rng)
            if seen is None:
                time.sleep(0.01)
                continue
            answer = _read(plan, client, "/api/v1/search?" + urlencode(
                {"q": seen.marker, "collapse": "none", "fields": "id"}))
            if answer.status == 200 and not answer.data.get("partial"):
                found = any(r["id"] == seen.id for r in answer.data["results"])
                plan.ledger.observe(seen, found, settled, plan.since_rebuild())
    finally:
        client.close()


def _read(plan: Plan, client: Client, path: str) -> Answer:
    answer = client.call("GET", path)
    if answer.status != 200 or not isinstance(answer.data, dict):
        plan.ledger.problem("searches failed", f"GET {path[:120]}: {answer.status} "
                                               f"{answer.text[:200]}")
    return answer
