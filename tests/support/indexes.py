"""What a PostgreSQL index holds, to check that counting queries can be answered from it alone."""

import re

from django.db import connection

# Groups are named by subqueries that read the agency or partnership, not the table counted.
NAMING = re.compile(
    r'\(SELECT U0\."name" AS "name" FROM "partnerships_(agency|partnership)" U0 [^)]*\)\)'
)


def index_columns(name: str) -> set[str]:
    """The columns an index holds, as keys or included."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT attribute.attname FROM pg_index
            JOIN pg_class AS index ON index.oid = pg_index.indexrelid
            JOIN pg_attribute AS attribute ON attribute.attrelid = pg_index.indrelid
                AND attribute.attnum = ANY(pg_index.indkey)
            WHERE index.relname = %s
            """,
            [name],
        )
        return {row[0] for row in cursor.fetchall()}


def columns_read(sql: str, table: str, *aliases: str) -> set[str]:
    """The columns of `table` (or of its `aliases` in subqueries) that a query reads."""
    names = "|".join([f'"{table}"', *aliases])
    return set(re.findall(rf'(?:{names})\."(\w+)"', NAMING.sub("", sql)))
