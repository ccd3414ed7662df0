"""Morgue's write path: sources -> Article -> Whoosh documents -> index directory.

Nothing here imports Flask. The read path (`search`) and the web app build on
the schema, the index-directory layout and the errors defined here.
"""
