"""dbt-duckdb plugin: points DuckDB at the project's extension directory and registers the project's UDFs.

`pseudonymize(varchar) -> varchar` is the keyed HMAC of common.pseudonym, so staging models can pseudonymise
personal identifiers without the key ever appearing in SQL or in compiled artefacts. It is a temporary SQL macro on
DuckDB's native sha256 (common.pseudonym.pseudonymize_sql, identical output): a per-row Python UDF cost minutes per
million rows. Temporary objects belong to one DuckDB connection, and dbt runs its models on cursors (connections of
their own), so the macro is defined on every cursor as well as on the parent connection.
"""

from __future__ import annotations

from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin

from common import duck
from common.pseudonym import pseudonymize_sql
from common.settings import get_settings


class Plugin(BasePlugin):
    def update_connection_config(self, creds: Any, config: dict[str, Any]) -> None:
        # before connecting, so that extensions (and the S3 secret's httpfs) load from the packaged files
        config["extension_directory"] = str(duck.install_extensions(get_settings()))

    def _define(self, conn: Any) -> None:
        if not hasattr(self, "_macro"):
            body = pseudonymize_sql(get_settings().pseudonym_key, "value")
            self._macro = f"create or replace temp macro pseudonymize(value) as {body}"
        conn.execute(self._macro)

    def configure_connection(self, conn: Any) -> None:
        self._define(conn)

    def configure_cursor(self, cursor: Any) -> None:
        self._define(cursor)
