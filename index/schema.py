"""The Whoosh schema and its analyzers, defined once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from whoosh import analysis, columns
from whoosh.fields import COLUMN, ID, KEYWORD, STORED, TEXT, Schema
from whoosh.index import FileIndex

from .text import STOP_WORDS

SCHEMA_VERSION = 6


@contextmanager
def committed(ix: FileIndex, **options) -> Iterator:
    """A writer of ``ix``, committed when the block ends and cancelled on any error; ``ix`` closed after."""
    writer = ix.writer(**options)
    try:
        yield writer
        writer.commit()
    except BaseException:
        writer.cancel()
        raise
    finally:
        ix.close()


def stem_analyzer():
    """Lower-case words, stop words removed, Porter-stemmed (with a stem cache)."""
    return analysis.StemmingAnalyzer(stoplist=STOP_WORDS, minsize=1, cachesize=50000)


def plain_analyzer():
    """Lower-case words, unstemmed: for prefixes, typo correction and highlighting."""
    return analysis.StandardAnalyzer(stoplist=STOP_WORDS, minsize=1)


TEXT_FIELDS = ("descriptor", "short", "terms")


def field_lengths(document: dict) -> str:
    """Token counts of the weighted text fields, as the ``lengths`` column stores them."""
    analyzer = stem_analyzer()
    return " ".join(str(sum(1 for _ in analyzer(document[name]))) for name in TEXT_FIELDS)


def build_schema() -> Schema:
    """The index schema: code as unique ID, weighted text fields, filters, the stored record."""
    return Schema(
        code=ID(stored=True, unique=True, sortable=True),
        kind=ID(stored=True),
        status=ID(stored=True, sortable=True),
        flags=ID(sortable=True),  # e.g. "measure negated": ranking priors, see index.search
        lengths=ID(sortable=True),  # "descriptor short terms" token counts, for BM25F length normalisation
        letter=ID,
        ndc=KEYWORD(scorable=False),  # the 11-digit NDCs (no dashes) the ASP crosswalk maps to the code
        descriptor=TEXT(analyzer=stem_analyzer(), phrase=True),
        short=TEXT(analyzer=stem_analyzer(), phrase=False),
        terms=TEXT(analyzer=stem_analyzer(), phrase=False),
        words=TEXT(analyzer=plain_analyzer(), phrase=False),
        # Descriptors as columns too: result pages read them without unpickling the stored record.
        short_description=COLUMN(columns.VarBytesColumn()),
        long_description=COLUMN(columns.VarBytesColumn()),
        # Lay terms and drug names, one a line: a hit can say what it is also called ("knee scooter").
        glossary=COLUMN(columns.VarBytesColumn()),
        record=STORED,
    )
