"""Reading a column over a whole multi-segment index, correctly.

Whoosh 2.7's MultiReader.column_reader leaves out the segments that have no
file for the column (no document in them had a value) but keeps the others'
offsets, so documents after such a segment get another document's value,
and with no such file anywhere it raises IndexError. Each segment reader
handles its own missing column (it answers the default), so the whole-index
column is assembled from every segment here instead.
"""
from __future__ import annotations

from whoosh import columns
from whoosh.reading import IndexReader


def column(reader: IndexReader, fieldname: str, translate: bool = True) -> columns.ColumnReader:
    """docnum -> value of `fieldname`'s column, the field's default where it has none."""
    leaves = reader.leaf_readers()
    if len(leaves) == 1 and leaves[0][1] == 0:
        return leaves[0][0].column_reader(fieldname, translate=translate)
    return columns.MultiColumnReader(
        [leaf.column_reader(fieldname, translate=translate) for leaf, _ in leaves],
        [offset for _, offset in leaves])
