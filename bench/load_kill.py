"""The kill trial: `kill -9` of one server worker under load.

At `kill_at` of the run, the worker holding the most client connections is
sent SIGKILL. Just before, it is stopped (SIGSTOP, so it accepts no more)
and the client connections it holds are counted from /proc
(bench/load_procs.py): each client has at most one request in flight, so
that count bounds what the kill may cost. Then the trial waits
for gunicorn to start a replacement (a new child pid) and opens fresh
connections until one is served by it, which shows the new worker answers.
Checks: every failed request is a connection failure (no HTTP error), at
most as many as the connections the dead worker held; a replacement
appeared and served.
"""
from __future__ import annotations

import http.client
import os
import signal
import time

from bench import load_procs

REPLACEMENT_WAIT = 60.0  # seconds for gunicorn to start a new worker
PROBE_WAIT = 60.0  # seconds of fresh connections until one reaches it
PROBES = 200
KILL_WINDOW = 2.0


class KillConductor:
    def run(self, context) -> None:
        time.sleep(max(0.0, context.options.kill_at * context.options.seconds - context.now()))
        port, master = context.port, context.master
        workers = load_procs.children(master)
        held = {pid: load_procs.server_connections(pid, port) for pid in workers}
        victim = max(workers, key=lambda pid: held[pid])
        # Stopped, it accepts nothing more: the count taken now is what the kill drops
        # (counted while it ran, a client reconnecting in between was missed).
        os.kill(victim, signal.SIGSTOP)
        try:
            held_now = load_procs.server_connections(victim, port)
        finally:
            os.kill(victim, signal.SIGKILL)
        self.section = {"workers_before": workers, "victim": victim, "killed_at": round(
            context.now(), 3), "connections_held": held_now,
            "threads_per_worker": None, "replacement": None}
        self.section.update(self._replacement(context, set(workers)))

    def _replacement(self, context, before: set[int]) -> dict:
        deadline = time.monotonic() + REPLACEMENT_WAIT
        new = None
        while new is None and time.monotonic() < deadline:
            new = next(iter(set(load_procs.children(context.master)) - before), None)
            time.sleep(0.05)
        if new is None:
            return {}
        found = {"replacement": new, "replaced_after_s": round(context.now()
                                                               - self.section["killed_at"], 2)}
        owners = load_procs.SocketOwners(context.master, context.port)
        deadline = time.monotonic() + PROBE_WAIT
        for probe in range(PROBES):
            if time.monotonic() > deadline:
                break
            connection = http.client.HTTPConnection("127.0.0.1", context.port, timeout=60)
            try:
                connection.request("GET", "/api/v1/health")
                answer = connection.getresponse()
                answer.read()
                if answer.status == 200 and owners.worker_of(
                        connection.sock.getsockname()[1]) == new:
                    found.update(served_after_s=round(context.now()
                                                      - self.section["killed_at"], 2),
                                 probes=probe + 1)
                    break
            except (OSError, http.client.HTTPException):
                pass
            finally:
                connection.close()
            time.sleep(0.1)
        return found

    def check(self, context, outcomes) -> tuple[dict, list[str], list]:
        from index.settings import load_settings

        section = self.section
        section["threads_per_worker"] = load_settings()["THREADS"]
        failed = [o for o in outcomes if o.failed]
        killed_at, victim = section["killed_at"], section["victim"]
        # The kill's own: a connection dropped on the dead worker (or before we knew which),
        # noticed after the kill, by a request sent at most KILL_WINDOW s after it.
        dropped = [o for o in failed if o.status is None and o.worker in (victim, None)
                   and o.ended >= killed_at and o.started <= killed_at + KILL_WINDOW]
        section["failed_requests"] = len(failed)
        section["failed_by"] = sorted({o.error or "?" for o in dropped})
        section["failed_started_s"] = [round(o.started, 2) for o in dropped][:20]
        section["load_answers_from_replacement"] = sum(
            1 for o in outcomes if section["replacement"] and o.worker == section["replacement"])
        failures = []
        expected = dropped if len(dropped) <= section["connections_held"] else []
        if len(dropped) > section["connections_held"]:
            failures.append(f"{len(dropped)} requests failed; the killed worker held "
                            f"{section['connections_held']} connections")
        if section["replacement"] is None:
            failures.append(f"no new worker within {REPLACEMENT_WAIT:.0f} s of the kill")
        elif "served_after_s" not in section:
            failures.append("the new worker answered none of the probe connections")
        return section, failures, expected
