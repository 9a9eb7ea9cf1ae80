"""Chinese full-text search: a GIN index over overlapping character pairs.

Why bigrams (measured in `bench/README.md`, "Chinese search"): Chinese has no
spaces, so a word index finds nothing, and pg_trgm extracts no trigram from a
one- or two-character query (户口, 低保), so its GIN index is read whole. Every
substring of two or more characters is covered by the pairs of the text, so the
pairs of the query, ANDed, find every row that contains it; for a term of
three characters or more a `strpos` recheck (the raw text first, then the
normalised one) keeps exactly the rows that do; for one or two the index is
exact. A
one-character query is a prefix match (`'户':*`) on the same lexemes: the text's
last character is stored alone, so every character of the text starts a lexeme.

The document side runs in PostgreSQL (`FUNCTIONS_DDL`): `yiwang_search_text`
normalises, `yiwang_search_bigrams` builds the `tsvector` the index holds. The
query side runs here (`parse_query`) with the same normalisation, step for step:

1. Unicode NFKC (full-width letters, digits and punctuation become half-width,
   the ideographic space a space; PostgreSQL 15 and Python 3.11 both ship
   Unicode 14, and an integration test checks that the two agree);
2. ASCII letters to lower case (by table, so the index depends on no locale:
   `lower()` follows the server's ctype, which may change under an index);
3. whitespace and zero-width characters are removed from the document; in the
   query, whitespace and control characters separate terms (every term must
   match), zero-width characters are removed.

Parts of a document (name, code, ...) are joined with U+001F, a control
character no query term can hold, so no term matches across two fields.

No user text reaches SQL text: the query travels as bound parameters (one
`tsquery` in its input syntax, with every lexeme quoted, and one parameter per
term for the recheck).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import Boolean, Index, Integer, Text, and_, cast, func, literal, or_
from sqlalchemy.dialects.postgresql import TSQUERY, TSVECTOR
from sqlalchemy.dialects.postgresql.base import PGDialect
from sqlalchemy.schema import CreateIndex, DropIndex
from sqlalchemy.sql.elements import ColumnElement

from yiwang.runtime.lists.errors import SearchQueryInvalid

#: a longer query is refused (characters after normalisation, all terms together)
MAX_QUERY_CHARS: Final = 64
#: terms are separated by whitespace; each must match
MAX_TERMS: Final = 8

#: terms up to this many characters are answered by the index alone
RECHECK_FROM: Final = 2

#: the SQL functions an index and a query call (created by a migration)
TEXT_FUNCTION: Final = "yiwang_search_text"
BIGRAMS_FUNCTION: Final = "yiwang_search_bigrams"

#: joins the parts of a document; no query term can contain it
SEPARATOR: Final = "\x1f"

_UPPER: Final = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_LOWER: Final = "abcdefghijklmnopqrstuvwxyz"
#: removed from documents; they separate terms in a query
WHITESPACE: Final = " \t\n\x0b\x0c\r\x85\u1680\u2028\u2029"
#: removed from documents and queries alike (copy-paste leaves them in cells)
INVISIBLE: Final = "\u200b\u200c\u200d\u2060\ufeff"

_TO_LOWER: Final = str.maketrans(_UPPER, _LOWER)
_DELETE: Final = str.maketrans("", "", WHITESPACE + INVISIBLE)
_DELETE_INVISIBLE: Final = str.maketrans("", "", INVISIBLE)


def normalise(text: str) -> str:
    """The document normalisation, as `yiwang_search_text` does it in SQL."""
    return unicodedata.normalize("NFKC", text).translate(_TO_LOWER).translate(_DELETE)


def document_lexemes(text: str) -> list[str]:
    """The lexemes `yiwang_search_bigrams` stores for `text`, in text order, with repeats:
    every pair of neighbouring characters, and the last character alone."""
    norm = normalise(text)
    return [norm[i : i + 2] for i in range(len(norm))]


def _separates(ch: str) -> bool:
    return ch in WHITESPACE or unicodedata.category(ch) in ("Cc", "Cs")


def query_terms(text: str) -> tuple[str, ...]:
    """The normalised terms of a query, in order, without repeats."""
    norm = unicodedata.normalize("NFKC", text).translate(_TO_LOWER).translate(_DELETE_INVISIBLE)
    terms: list[str] = []
    current: list[str] = []
    for ch in [*norm, " "]:
        if _separates(ch):
            if current:
                term = "".join(current)
                if term not in terms:
                    terms.append(term)
                current = []
        else:
            current.append(ch)
    return tuple(terms)


def term_lexemes(term: str) -> tuple[str, ...]:
    """What the index must hold for a term: its distinct pairs, or for a single
    character that character (matched as a prefix)."""
    if len(term) == 1:
        return (term,)
    seen: dict[str, None] = {}
    for i in range(len(term) - 1):
        seen.setdefault(term[i : i + 2], None)
    return tuple(seen)


def quote_lexeme(lexeme: str) -> str:
    """A lexeme in `tsquery` input syntax: quoted, quotes doubled, backslashes escaped."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


@dataclass(frozen=True)
class SearchQuery:
    """A parsed search: the terms to recheck and the `tsquery` text the index answers."""

    terms: tuple[str, ...]
    tsquery: str


def parse_query(text: str | None) -> SearchQuery | None:
    """Turn what a user typed into a search, or None when there is nothing to search.

    Raises `SearchQueryInvalid` for a query longer than `MAX_QUERY_CHARS`
    characters or with more than `MAX_TERMS` terms.
    """
    if text is None:
        return None
    terms = query_terms(text)
    if not terms:
        return None
    if len(terms) > MAX_TERMS:
        raise SearchQueryInvalid(
            "lists.search.too_many_terms", pointer="/q", limit=MAX_TERMS, actual=len(terms)
        )
    size = sum(len(t) for t in terms)
    if size > MAX_QUERY_CHARS:
        raise SearchQueryInvalid(
            "lists.search.too_long", pointer="/q", limit=MAX_QUERY_CHARS, actual=size
        )
    parts: dict[str, None] = {}
    for term in terms:
        if len(term) == 1:
            parts.setdefault(quote_lexeme(term) + ":*", None)
        else:
            for lexeme in term_lexemes(term):
                parts.setdefault(quote_lexeme(lexeme), None)
    return SearchQuery(terms=terms, tsquery=" & ".join(parts))


# --- SQL -----------------------------------------------------------------


def _sql_string(value: str) -> str:
    """A PostgreSQL escape-string literal of a constant of this module (never user text)."""
    return "E'" + "".join(f"\\u{ord(ch):04x}" for ch in value) + "'"


def _normalise_sql(arg: str) -> str:
    # `IS NFKC NORMALIZED` is a quick check that spares most texts the full
    # normalisation (a fifth of the cost, measured on this data)
    nfkc = (
        f"CASE WHEN {arg} IS NFKC NORMALIZED THEN {arg} "
        f"ELSE pg_catalog.normalize({arg}, 'NFKC') END"
    )
    return (
        f"pg_catalog.translate(pg_catalog.translate({nfkc}, '{_UPPER}', '{_LOWER}'), "
        f"{_sql_string(WHITESPACE + INVISIBLE)}, '')"
    )


def _bigrams_sql(norm: str) -> str:
    # Every character doubled, the first dropped, then cut after each pair:
    # "abc" -> "abbcc" -> "ab bc c". The normalised text holds no space, so a
    # space can separate the lexemes; all of it is C code (regexp_replace,
    # string_to_array), a tenth of the cost of generate_series and array_agg.
    doubled = f"pg_catalog.regexp_replace({norm}, '(.)', '\\1\\1', 'g')"
    pairs = f"pg_catalog.regexp_replace(pg_catalog.substr({doubled}, 2), '(..)', '\\1 ', 'g')"
    return f"pg_catalog.array_to_tsvector(pg_catalog.string_to_array({pairs}, ' '))"


#: what the planner is told one call of `yiwang_search_bigrams` costs, in
#: cpu_operator_cost units: about 35 µs here, against roughly 0.07 µs per unit
#: (a sequential scan's measured time over its estimated cost). Without it the
#: planner prefers to walk another index and compute the pairs of every row
#: it passes, which for a rare or absent term reads the whole table.
BIGRAMS_COST: Final = 500

#: the two functions, for a migration to copy (migrations import no live module).
#: Both are IMMUTABLE (the index needs it) and call nothing but pg_catalog, so
#: they do not depend on the search_path (PostgreSQL 17 runs maintenance with
#: a restricted one). `yiwang_search_text` is one SQL expression, which the
#: planner inlines into the recheck. `yiwang_search_bigrams` is PL/pgSQL so that
#: it is never inlined: the planner then weighs it at `BIGRAMS_COST`.
FUNCTIONS_DDL: Final = f"""\
CREATE OR REPLACE FUNCTION {TEXT_FUNCTION}(doc text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN {_normalise_sql("doc")};

CREATE OR REPLACE FUNCTION {BIGRAMS_FUNCTION}(doc text) RETURNS tsvector
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE COST {BIGRAMS_COST}
AS $body$
BEGIN
    RETURN {_bigrams_sql(_normalise_sql("doc"))};
END
$body$;
"""

DROP_FUNCTIONS_DDL: Final = f"""\
DROP FUNCTION IF EXISTS {BIGRAMS_FUNCTION}(text);
DROP FUNCTION IF EXISTS {TEXT_FUNCTION}(text);
"""


def _inline(value: str) -> ColumnElement[str]:
    """A constant rendered into the statement, so index and query expressions are one text."""
    return literal(value, Text, literal_execute=True)


def _separator() -> ColumnElement[str]:
    """`chr(31)`: readable in a migration, folded to the same constant in index and query."""
    return func.chr(literal(ord(SEPARATOR), Integer, literal_execute=True), type_=Text)


def document(*parts: ColumnElement[Any]) -> ColumnElement[str]:
    """The text a row is searched by: one text expression, or several joined by U+001F.

    The index and the query must use the same expression; build both with this.
    Constants are rendered inline, not as parameters, so the expression is the
    same text in the index and in every query. A JSONB field should be given as
    `column["key"].astext`: its key is metadata, and the planner sees the bound
    key as a constant (prepared statements are off), which the integration test checks.
    """
    if not parts:
        raise ValueError("a search document needs at least one part")
    if len(parts) == 1:
        return parts[0]
    joined: ColumnElement[str] = func.coalesce(parts[0], _inline(""))
    for part in parts[1:]:
        joined = joined.op("||", return_type=Text)(_separator()).op("||", return_type=Text)(
            func.coalesce(part, _inline(""))
        )
    return joined


def bigrams(doc: ColumnElement[str]) -> ColumnElement[Any]:
    """The indexed expression: `yiwang_search_bigrams(doc)`."""
    vector: ColumnElement[Any] = func.yiwang_search_bigrams(doc, type_=TSVECTOR)
    return vector


def search_text(doc: ColumnElement[str]) -> ColumnElement[str]:
    """The normalised document the recheck reads: `yiwang_search_text(doc)`."""
    text: ColumnElement[str] = func.yiwang_search_text(doc, type_=Text)
    return text


def match(
    doc: ColumnElement[str], query: SearchQuery, *, vector: ColumnElement[Any] | None = None
) -> ColumnElement[bool]:
    """The WHERE clause: the index condition, and an exact recheck of each term of
    three characters or more (for one or two characters the index is exact
    already, and without a recheck a count can skip the heap pages it knows).

    `vector` names a stored column holding `bigrams(doc)` where a table keeps
    one (see bench/README.md for why the expression index is the default).
    """
    indexed = bigrams(doc) if vector is None else vector
    condition = indexed.op("@@", return_type=Boolean)(cast(literal(query.tsquery, Text), TSQUERY))
    rechecks = [_holds(doc, term) for term in query.terms if len(term) > RECHECK_FROM]
    return and_(condition, *rechecks)


def _holds(doc: ColumnElement[str], term: str) -> ColumnElement[bool]:
    """The exact recheck of one term. The raw text is tried first: it holds the
    term as typed in almost every match and costs a fraction of a microsecond,
    where normalising the row costs about ten; only the rest are normalised.
    (A raw hit the normalised text would miss needs a combining mark right
    after the term; the row then holds what the user typed, and is kept.)"""
    needle = literal(term, Text)
    return or_(func.strpos(doc, needle) > 0, func.strpos(search_text(doc), needle) > 0)


def search_index(name: str, doc: ColumnElement[str], *, concurrently: bool = True) -> Index:
    """The GIN index of a table's search document (a Core construct for models or DDL)."""
    return Index(name, bigrams(doc), postgresql_using="gin", postgresql_concurrently=concurrently)


_DIALECT: Final = PGDialect()  # type: ignore[no-untyped-call]


def index_ddl(index: Index) -> str:
    """`CREATE INDEX` text for a migration (CONCURRENTLY when the index says so)."""
    ddl = CreateIndex(index, if_not_exists=True).compile(
        dialect=_DIALECT, compile_kwargs={"literal_binds": True}
    )
    return str(ddl).strip()


def drop_index_ddl(index: Index) -> str:
    ddl = DropIndex(index, if_exists=True).compile(
        dialect=_DIALECT, compile_kwargs={"literal_binds": True}
    )
    return str(ddl).strip()
