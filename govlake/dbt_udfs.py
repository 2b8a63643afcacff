"""dbt-duckdb plugin: points DuckDB at the project's extension directory and registers the project's UDFs.

`pseudonymize(varchar) -> varchar` is the keyed HMAC of govlake.pseudonym, so staging models can pseudonymise
personal identifiers without the key ever appearing in SQL or in compiled artefacts.
"""

from __future__ import annotations

from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin

from govlake import duck
from govlake.pseudonym import pseudonymize
from govlake.settings import get_settings


class Plugin(BasePlugin):
    def update_connection_config(self, creds: Any, config: dict[str, Any]) -> None:
        # before connecting, so that extensions (and the S3 secret's httpfs) load from the packaged files
        config["extension_directory"] = str(duck.install_extensions(get_settings()))

    def configure_connection(self, conn: Any) -> None:
        key = get_settings().pseudonym_key
        conn.create_function(
            "pseudonymize", lambda v: pseudonymize(v, key), ["VARCHAR"], "VARCHAR", null_handling="special",
            side_effects=False,
        )
