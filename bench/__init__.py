"""Morgue's side-by-side speed benchmark (issue 7): Morgue against stock Whoosh, SQLite FTS5
and Tantivy on the same documents and the same seeded query mix.

`scripts/bench.py` is the command line; the modules here each do one job:
corpus (documents and scaled JSONL copies), queries (the engine-neutral mix),
engines/* (one adapter per engine: build, open, search), runner (timed phases,
query phases in a fresh child process), http_load (the API under concurrent
clients), stats and report (percentiles, the table and the JSON).
"""
