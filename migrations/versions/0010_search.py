"""Chinese search functions: `yiwang_search_text` and `yiwang_search_bigrams`.

Frozen copy of `yiwang.runtime.lists.search.FUNCTIONS_DDL` (a migration never
imports live code; `tests/unit/runtime/lists/test_search_migration.py` checks
that the two agree). Both are IMMUTABLE and call only `pg_catalog`, so the
GIN indexes over them do not depend on the search_path. Changing them changes
what is indexed: a later migration must REINDEX every search index.

Revision ID: 0010_search
Revises: 0009_account_lifecycle
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0010_search"
down_revision: str | None = "0009_account_lifecycle"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FUNCTIONS_DDL = r"""CREATE OR REPLACE FUNCTION yiwang_search_text(doc text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN pg_catalog.translate(pg_catalog.translate(CASE WHEN doc IS NFKC NORMALIZED THEN doc ELSE pg_catalog.normalize(doc, 'NFKC') END, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'), E'\u0020\u0009\u000a\u000b\u000c\u000d\u0085\u1680\u2028\u2029\u200b\u200c\u200d\u2060\ufeff', '');

CREATE OR REPLACE FUNCTION yiwang_search_bigrams(doc text) RETURNS tsvector
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE COST 500
AS $body$
BEGIN
    RETURN pg_catalog.array_to_tsvector(pg_catalog.string_to_array(pg_catalog.regexp_replace(pg_catalog.substr(pg_catalog.regexp_replace(pg_catalog.translate(pg_catalog.translate(CASE WHEN doc IS NFKC NORMALIZED THEN doc ELSE pg_catalog.normalize(doc, 'NFKC') END, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'), E'\u0020\u0009\u000a\u000b\u000c\u000d\u0085\u1680\u2028\u2029\u200b\u200c\u200d\u2060\ufeff', ''), '(.)', '\1\1', 'g'), 2), '(..)', '\1 ', 'g'), ' '));
END
$body$;
"""

DROP_FUNCTIONS_DDL = r"""DROP FUNCTION IF EXISTS yiwang_search_bigrams(text);
DROP FUNCTION IF EXISTS yiwang_search_text(text);
"""


def upgrade() -> None:
    op.execute(FUNCTIONS_DDL)


def downgrade() -> None:
    op.execute(DROP_FUNCTIONS_DDL)
