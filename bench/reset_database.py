"""Drop and create the benchmark's database (named by DATABASE_URL; the name must say bench)."""

import os
import sys

import dj_database_url
import psycopg2
from psycopg2 import sql


def main() -> None:
    db = dj_database_url.parse(os.environ["DATABASE_URL"])
    name = db["NAME"]
    if "bench" not in name:
        sys.exit(f"Refusing to drop {name!r}: the benchmark's database name must contain 'bench'.")
    connection = psycopg2.connect(
        dbname="postgres",
        user=db["USER"],
        password=db["PASSWORD"],
        host=db["HOST"],
        port=db["PORT"],
    )
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    connection.close()
    print(f"Created an empty database {name}.")


if __name__ == "__main__":
    main()
