"""The table of pathological inputs, and how to send one to the app or to a real server.

One place for the rows, so that scripts/hostile_inputs.py (which times them
and prints the table) and tests/test_hostile_inputs.py (which checks each
row's outcome in CI, untimed) run exactly the same inputs. Each row names
what it sends, where, and the statuses it may get: from the app through
Flask's test client, and from a real scripts/serve.py, whose gunicorn refuses
some requests before the app sees them (a request line past 8,190 bytes is a
414; raw bytes that are not UTF-8 in the request line are its business too).
A row's `query` is the query string exactly as sent (already percent-encoded);
`wire` replaces the whole request line's target for the server only.
"""
from __future__ import annotations

import json
import socket
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

SEARCH, PAGE, SUGGEST = "/api/v1/search", "/search", "/api/v1/suggest"
ARTICLE = "/api/v1/articles/t-cocoa-1"
OK, BAD, PARTIAL = frozenset({200}), frozenset({400}), frozenset({200, 400})
LETTERS = "abcdefghijklmnopqrstuvwxyz"
INDEXED = ("cocoa", "coffee", "brazil", "prices", "exports", "ivory", "coast", "rates", "oil",
           "wheat", "trade", "market", "bank", "tonnes", "summit")


def q(text: str, **others: str) -> str:
    """A query string with `q` first, percent-encoded as a browser would."""
    return urlencode({"q": text, **others}, quote_via=quote)


@dataclass(frozen=True)
class Probe:
    name: str  # the input, as the table shows it
    path: str
    query: str = ""  # the query string as sent, percent-encoded
    expect: frozenset[int] = OK  # statuses the app may answer
    server: frozenset[int] | None = None  # ... and a real server, when they differ
    method: str = "GET"
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    wire: bytes | None = None  # the request target as sent to the server, raw bytes
    app: bool = True  # False: the test client cannot send it (raw bytes on the wire)

    @property
    def server_expect(self) -> frozenset[int]:
        return self.server if self.server is not None else self.expect

    def target(self) -> bytes:
        if self.wire is not None:
            return self.wire
        return (self.path + ("?" + self.query if self.query else "")).encode("ascii")


MEGABYTE = "a" * 1_000_000
PROBES: tuple[Probe, ...] = (
    # The list
    Probe("`*a*`", SEARCH, q("*a*"), BAD),
    Probe("`a* b* c* ...` x 100", SEARCH, q(" ".join(f"{LETTERS[i % 26]}*" for i in range(100))),
          BAD),
    Probe("1,000 OR-ed terms", SEARCH, q(" OR ".join(f"w{i}" for i in range(1000))), BAD,
          server=frozenset({414})),
    Probe("OR-ed terms up to the length limit (165)", SEARCH,
          q(" OR ".join(f"w{i}" for i in range(1000))[:1000]), BAD),
    Probe("the same 15 words OR-ed 150 times", SEARCH,
          q(" OR ".join(INDEXED[i % len(INDEXED)] for i in range(150))[:1000]), OK),
    Probe("deeply nested parentheses (497 around a word)", SEARCH,
          q("(" * 497 + "cocoa" + ")" * 497), BAD),
    Probe("parentheses nested 32 deep", SEARCH, q("(" * 32 + "cocoa" + ")" * 32), OK),
    Probe("100 groups `(cocoa)` in a row", SEARCH, q("(cocoa) " * 100), OK),
    Probe("10,000 `(`", SEARCH, q("(" * 10_000), BAD, server=frozenset({414})),
    Probe("`page=10^9`", SEARCH, q("cocoa", page="1000000000"), BAD),
    Probe("`page_size=10^6`", SEARCH, q("cocoa", page_size="1000000"), BAD),
    Probe("NUL byte inside a word", SEARCH, q("coc\x00oa"), OK),
    Probe("NUL byte alone", SEARCH, q("\x00"), BAD),
    Probe("invalid UTF-8, percent-encoded (`%ff%fe`)", SEARCH, "q=%ff%fe%c0%af", OK),
    Probe("invalid UTF-8, raw bytes in the request line", SEARCH, wire=b"/api/v1/search?q=\xff\xfe",
          expect=BAD, app=False),
    Probe("1 MB query string", SEARCH, q(MEGABYTE), BAD, server=frozenset({414})),
    Probe("1 MB query as a POST form (the API is GET only)", SEARCH, method="POST",
          body=("q=" + MEGABYTE).encode(), expect=frozenset({405}),
          headers={"Content-Type": "application/x-www-form-urlencoded"}),
    Probe("mixed scripts and RTL marks", SEARCH,
          q("cocoa \u202bكاكاو\u202c κακάο какао 可可 \u200fשלום\u200f \u2067kakao\u2069"), OK),
    # More of the same kind
    Probe("`*`", SEARCH, q("*"), OK),
    Probe("`?`", SEARCH, q("?"), BAD),
    Probe("`~`", SEARCH, q("~"), BAD),
    Probe("`a` x 1000 + `*` (1,001 characters)", SEARCH, q("a" * 1000 + "*"), BAD),
    Probe("`a` x 999 + `*`", SEARCH, q("a" * 999 + "*"), OK),
    Probe("26 one-letter wildcards", SEARCH, q(" ".join(f"{letter}*" for letter in LETTERS)),
          BAD),
    Probe("26 one-letter fuzzy words (`a~2 b~2 ...`)", SEARCH,
          q(" ".join(f"{letter}~2" for letter in LETTERS)), PARTIAL),
    Probe("15 two-edit fuzzy words", SEARCH, q(" ".join(f"{word}~2" for word in INDEXED)),
          PARTIAL),
    Probe("fuzzy word, 3 edits (`kursk~3`)", SEARCH, q("kursk~3"), BAD),
    Probe("a range over every word (`title:[a TO z]`)", SEARCH, q("title:[a TO z]"), BAD),
    Probe("1,000 `*`", SEARCH, q("*" * 1000), BAD),
    Probe("500 empty groups `()`", SEARCH, q("()" * 500), BAD),
    Probe("unclosed quote", SEARCH, q('"cocoa prices'), BAD),
    Probe("unclosed date range", SEARCH, q("published:[2024 TO"), BAD),
    Probe("operators only (`AND OR NOT`)", SEARCH, q("AND OR NOT"), BAD),
    Probe("`published:\"10000 years ago\"`", SEARCH, q('published:"10000 years ago"'), BAD),
    Probe("`published:<0001`", SEARCH, q("published:<0001"), BAD),
    Probe("`published:>9999-12-31T23:59:59.999999Z`", SEARCH,
          q("published:>9999-12-31T23:59:59.999999Z"), BAD),
    Probe("`published:0001`", SEARCH, q("published:0001"), OK),
    Probe("proximity 10^9 (`\"cocoa prices\"~999999999`)", SEARCH,
          q('"cocoa prices"~999999999'), OK),
    Probe("boost 1e308 (`cocoa^1e308`)", SEARCH, q("cocoa^1e308"), OK),
    Probe("998 combining accents on one letter", SEARCH, q("a" + "\u0301" * 998), PARTIAL),
    Probe("unicode NFKC oddities (`ﬁnance ＣＯＣＯＡ Ⅻ ㎏`)", SEARCH, q("ﬁnance ＣＯＣＯＡ Ⅻ ㎏"), OK),
    Probe("huge page_size (10^100)", SEARCH, q("cocoa", page_size="1" + "0" * 100), BAD),
    Probe("negative page", SEARCH, q("cocoa", page="-1"), BAD),
    Probe("page as a float (`page=1e3`)", SEARCH, q("cocoa", page="1e3"), BAD),
    Probe("huge facet_size (10^20)", SEARCH, q("cocoa", facet_size="1" + "0" * 20), BAD),
    Probe("cursor garbage", SEARCH, q("cocoa", cursor="!!not-a-cursor!!"), BAD),
    Probe("cursor of 2,000 characters", SEARCH, q("cocoa", cursor="A" * 2000), BAD),
    Probe("`\\x00` in a facet name", SEARCH, q("cocoa", facets="source\x00"), BAD),
    Probe("overlong filter value (100,000 characters)", SEARCH, q("cocoa", source="x" * 100_000),
          OK, server=frozenset({414})),
    Probe("day histogram over 9,999 years", SEARCH,
          q("*", interval="day", facets="published", **{"from": "0001-01-01"}), BAD),
    Probe("recency 1e309", SEARCH, q("cocoa", recency="1e309"), BAD),
    Probe("`from` in the year 275760", SEARCH, q("cocoa", **{"from": "+275760-09-13"}), BAD),
    Probe("the same parameter twice", SEARCH, "q=cocoa&q=coffee", BAD),
    Probe("an unknown parameter", SEARCH, q("cocoa", pagesize="50"), BAD),
    Probe("every field of 100 results, explained", SEARCH,
          q("*", fields="all", page_size="100", explain="true"), OK),
    Probe("results page: script in the query", PAGE, q('"><script>alert(1)</script>'), BAD),
    Probe("results page: 26 fuzzy words", PAGE, q(" ".join(f"{letter}~2" for letter in LETTERS)),
          PARTIAL),
    Probe("suggest: 100 characters", SUGGEST, q("a" * 100), OK),
    Probe("suggest: 101 characters", SUGGEST, q("a" * 101), BAD),
    Probe("suggest: NUL and RTL marks", SUGGEST, q("\x00\u202ecoc"), OK),
    Probe("article highlight: 26 fuzzy words", ARTICLE,
          q(" ".join(f"{letter}~2" for letter in LETTERS)), OK),
    Probe("article highlight: 1,001 characters", ARTICLE, q("a" * 1001), BAD),
)


@dataclass(frozen=True)
class Answer:
    status: int
    outcome: str  # ok, partial, or the status with the error code


def outcome(status: int, content_type: str, body: bytes) -> str:
    """What a table row shows: ok, partial (with the parts cut), or the status and code."""
    payload = None
    if content_type.startswith("application/json"):
        try:
            payload = json.loads(body)
        except ValueError:
            return f"{status} (not JSON)"
    if status == 200:
        if isinstance(payload, dict) and payload.get("partial"):
            return "partial (" + ", ".join(payload.get("partial_parts", [])) + ")"
        return "ok"
    if isinstance(payload, dict) and isinstance(payload.get("error"), dict):
        return f"{status} {payload['error'].get('code')}"
    kind = "html page" if content_type.startswith("text/html") else content_type or "no type"
    return f"{status} ({kind})"


def via_app(client, probe: Probe) -> Answer:
    """The probe through the app (Flask's test client)."""
    response = client.open(probe.path, method=probe.method, query_string=probe.query,
                           data=probe.body, headers=probe.headers)
    return Answer(response.status_code,
                  outcome(response.status_code, response.content_type or "", response.data))


def via_server(port: int, probe: Probe, timeout: float = 60) -> Answer:
    """The probe sent byte for byte to a real server on 127.0.0.1 (no client library would
    send a megabyte of request line or raw non-UTF-8 bytes as they are)."""
    head = [b"%s %s HTTP/1.1" % (probe.method.encode(), probe.target()), b"Host: 127.0.0.1",
            b"Connection: close"]
    head += [f"{name}: {value}".encode("latin-1") for name, value in probe.headers.items()]
    if probe.body is not None:
        head.append(b"Content-Length: %d" % len(probe.body))
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
        try:
            connection.sendall(b"\r\n".join(head) + b"\r\n\r\n" + (probe.body or b""))
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed before reading it all: read the answer
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return parse_answer(answer)


def parse_answer(answer: bytes) -> Answer:
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ")[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        headers[name.strip().lower().decode("latin-1")] = value.strip().decode("latin-1")
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = _unchunked(body)
    return Answer(status, outcome(status, headers.get("content-type", ""), body))


def _unchunked(data: bytes) -> bytes:
    out = b""
    while data:
        size_line, _, data = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out, data = out + data[:size], data[size + 2:]
    return out
