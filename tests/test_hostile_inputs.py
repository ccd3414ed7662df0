"""The table of pathological inputs (tests/hostile_table.py), each row's outcome checked.

The same rows scripts/hostile_inputs.py times and prints: each is sent to the
app through the test client and byte for byte to a real server, and must get
one of the statuses its row expects there, never a 5xx; an answer under /api/
is JSON (the error shape for a 4xx), a 200 search says whether it is partial.
No timing is asserted here: the script measures. Both run with the script's
500 ms time budget, so the rows that spend it do not spend the default 3 s.
"""
from __future__ import annotations

import pytest

from tests.conftest import Server
from tests.hostile_table import PROBES, via_app, via_server
from webui import create_app

IDS = [probe.name for probe in PROBES]
BUDGET_MS = 500


@pytest.fixture(scope="module")
def client(small_index):
    return create_app({"INDEX_DIR": str(small_index), "SEARCH_TIME_BUDGET_MS": BUDGET_MS}
                      ).test_client()


@pytest.fixture(scope="module")
def server(small_index):
    running = Server(small_index, env={"MORGUE_SEARCH_TIME_BUDGET_MS": str(BUDGET_MS)})
    yield running
    running.stop()


def app_error_is_json(probe, answer) -> bool:
    """An error the app gave under /api/ is the JSON error shape (`400 bad_request`); one
    the server gave before the app saw the request (414, raw bytes) is the server's page."""
    if not (probe.app and probe.path.startswith("/api/") and answer.status >= 400
            and answer.status in probe.expect):
        return True
    return not answer.outcome.split(" ", 1)[1].startswith("(")


@pytest.mark.parametrize("probe", [p for p in PROBES if p.app],
                         ids=[p.name for p in PROBES if p.app])
def test_each_input_through_the_app(client, probe):
    answer = via_app(client, probe)
    assert answer.status in probe.expect, answer
    assert app_error_is_json(probe, answer), answer


@pytest.mark.parametrize("probe", PROBES, ids=IDS)
def test_each_input_through_a_real_server(server, probe):
    answer = via_server(server.port, probe)
    assert answer.status in probe.server_expect, answer
    assert app_error_is_json(probe, answer), answer


def test_the_table_holds_what_the_issue_names():
    names = " ".join(IDS)
    for wanted in ("`*a*`", "`a* b* c* ...` x 100", "1,000 OR-ed terms", "nested parentheses",
                   "`page=10^9`", "`page_size=10^6`", "NUL", "invalid UTF-8", "1 MB query",
                   "RTL marks", "`*`", "`?`", "`~`", "10,000 `(`", "`a` x 1000 + `*`",
                   "page_size", "negative page", "facet_size", "cursor garbage",
                   "`\\x00` in a facet name", "overlong filter", "NFKC"):
        assert wanted in names, wanted
