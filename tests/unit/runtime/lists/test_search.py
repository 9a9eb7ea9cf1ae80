"""The search tokenizer: normalisation, terms, lexemes and the tsquery text."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.dialects import postgresql

from yiwang.platform.i18n import translate
from yiwang.runtime.lists import search
from yiwang.runtime.lists.errors import SearchQueryInvalid

# Characters NFKC maps one by one (no composition across them): CJK, ASCII
# letters and digits, full-width forms, CJK punctuation and the whitespace.
CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF)
ASCII = st.sampled_from("abcXYZ019-_()'\\&|!:*%")
FULL_WIDTH = st.characters(min_codepoint=0xFF01, max_codepoint=0xFF5E)
SPACES = st.sampled_from(" \t\n\u3000\u00a0\u200b\ufeff")
PUNCT = st.sampled_from("（）、，。《》“”")
TEXT = st.text(st.one_of(CJK, CJK, ASCII, FULL_WIDTH, SPACES, PUNCT), max_size=40)

LEXEME = r"'(?:[^'\\]|''|\\.)+'"
TSQUERY = re.compile(rf"^{LEXEME}(?::\*)?(?: & {LEXEME}(?::\*)?)*$")


def test_normalise_folds_width_case_and_whitespace() -> None:
    assert search.normalise("ＩＳＯ　９００１ 质量认证") == "iso9001质量认证"
    assert search.normalise("个体工商户\u200b营业执照（新办）") == "个体工商户营业执照(新办)"
    assert search.normalise("Ａｂ\tC\nd") == "abcd"


def test_query_terms_split_on_whitespace_and_drop_repeats() -> None:
    assert search.query_terms("  营业执照　办理 营业执照 ") == ("营业执照", "办理")
    assert search.query_terms("户\u200b口") == ("户口",)
    assert search.query_terms("户口\x1f低保") == ("户口", "低保")
    assert search.query_terms(" \u3000\t") == ()


def test_document_lexemes_are_pairs_and_the_last_character() -> None:
    assert search.document_lexemes("营业执照") == ["营业", "业执", "执照", "照"]
    assert search.document_lexemes("户") == ["户"]
    assert search.document_lexemes("") == []


def test_term_lexemes() -> None:
    assert search.term_lexemes("低保") == ("低保",)
    assert search.term_lexemes("户") == ("户",)
    assert search.term_lexemes("哈哈哈") == ("哈哈",)


def test_parse_query_builds_one_tsquery() -> None:
    query = search.parse_query("营业执照")
    assert query == search.SearchQuery(terms=("营业执照",), tsquery="'营业' & '业执' & '执照'")
    assert search.parse_query("户") == search.SearchQuery(terms=("户",), tsquery="'户':*")
    both = search.parse_query("户口 证")
    assert both == search.SearchQuery(terms=("户口", "证"), tsquery="'户口' & '证':*")


def test_parse_query_quotes_what_tsquery_syntax_would_read() -> None:
    query = search.parse_query("a'b\\")
    assert query is not None
    assert query.tsquery == "'a''' & '''b' & 'b\\\\'"


@pytest.mark.parametrize("text", [None, "", "   ", "\u3000\u200b"])
def test_nothing_to_search(text: str | None) -> None:
    assert search.parse_query(text) is None


def test_too_long_and_too_many_terms_are_refused() -> None:
    with pytest.raises(SearchQueryInvalid) as too_long:
        search.parse_query("营" * (search.MAX_QUERY_CHARS + 1))
    assert too_long.value.code == "lists.search.too_long"
    assert too_long.value.pointer == "/q"
    assert "最多 64 个字" in too_long.value.message()
    with pytest.raises(SearchQueryInvalid) as too_many:
        search.parse_query(" ".join(f"词{i}" for i in range(search.MAX_TERMS + 1)))
    assert too_many.value.code == "lists.search.too_many_terms"
    assert search.parse_query("营" * search.MAX_QUERY_CHARS) is not None
    assert "9" in translate("lists.search.too_many_terms", limit=8, actual=9)


@settings(max_examples=300, deadline=None)
@given(doc=TEXT, start=st.integers(0, 40), size=st.integers(1, 12))
def test_every_substring_of_a_document_finds_it(doc: str, start: int, size: int) -> None:
    """No false negative: any piece of the raw document, as a query, finds the document."""
    query_text = doc[start : start + size]
    query = search.parse_query(query_text)
    if query is None:
        return
    norm = search.normalise(doc)
    lexemes = set(search.document_lexemes(doc))
    for term in query.terms:
        assert term in norm
        if len(term) == 1:
            assert any(lexeme.startswith(term) for lexeme in lexemes)
        else:
            assert set(search.term_lexemes(term)) <= lexemes


@settings(max_examples=300, deadline=None)
@given(text=TEXT)
def test_terms_hold_no_separator_and_the_tsquery_is_all_quoted(text: str) -> None:
    try:
        query = search.parse_query(text)
    except SearchQueryInvalid:
        assert len(search.query_terms(text)) > search.MAX_TERMS
        return
    if query is None:
        assert search.query_terms(text) == ()
        return
    for term in query.terms:
        assert term
        assert not any(ch in search.WHITESPACE + search.INVISIBLE + search.SEPARATOR for ch in term)
    assert TSQUERY.match(query.tsquery), query.tsquery


@settings(max_examples=200, deadline=None)
@given(lexeme=st.text(min_size=1, max_size=6))
def test_quote_lexeme_round_trips(lexeme: str) -> None:
    quoted = search.quote_lexeme(lexeme)
    assert re.fullmatch(LEXEME, quoted, flags=re.S)
    body = quoted[1:-1]
    unquoted = re.sub(
        r"\\(.)|''", lambda m: m.group(1) if m.group(1) is not None else "'", body, flags=re.S
    )
    assert unquoted == lexeme


def _table() -> sa.Table:
    return sa.Table(
        "items",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.Text),
        sa.Column("data", postgresql.JSONB),
    )


def test_match_binds_user_text_and_rechecks_long_terms_only() -> None:
    items = _table()
    query = search.parse_query("营业执照 低保")
    assert query is not None
    compiled = (
        sa.select(items.c.id)
        .where(search.match(search.document(items.c.name), query))
        .compile(dialect=postgresql.dialect())
    )
    sql = str(compiled)
    assert "营业" not in sql and "低保" not in sql
    assert query.tsquery in compiled.params.values()
    assert "营业执照" in compiled.params.values()
    assert "低保" not in compiled.params.values()  # two characters: the index is exact
    assert sql.count("strpos(") == 2  # the raw text, then the normalised one


def test_index_ddl_renders_constants_inline() -> None:
    items = _table()
    doc = search.document(items.c.name, items.c.data["code"].astext)
    ddl = search.index_ddl(search.search_index("items_search", doc))
    assert ddl == (
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS items_search ON items USING gin "
        "(yiwang_search_bigrams((coalesce(name, '') || chr(31)) || coalesce((data ->> 'code'), '')))"
    )
    plain = search.search_index("items_name", search.document(items.c.name), concurrently=False)
    assert search.index_ddl(plain) == (
        "CREATE INDEX IF NOT EXISTS items_name ON items USING gin (yiwang_search_bigrams(name))"
    )
    assert search.drop_index_ddl(plain) == "DROP INDEX IF EXISTS items_name"


def test_functions_ddl_names_both_functions() -> None:
    assert search.FUNCTIONS_DDL.count("CREATE OR REPLACE FUNCTION") == 2
    assert "IMMUTABLE" in search.FUNCTIONS_DDL
    assert "yiwang_search_bigrams(text)" in search.DROP_FUNCTIONS_DDL


def test_a_document_needs_a_part() -> None:
    with pytest.raises(ValueError):
        search.document()
