"""The read path on a SphinxQL cluster: Morgue's query language translated to Sphinx 2.2's."""
