"""The lake's Assets: one URI per dataset a DAG produces, so ingestion → transform → publish chain.

Each source's ingest DAG updates its bronze Asset; the transform DAG is scheduled on any of them, publish on the
warehouse marts, and downstream consumers (warnings, reports, cache warm-up) on the serving snapshot.
"""

from __future__ import annotations

from airflow.sdk import Asset

# the simulated source systems (demo and tests only: the `simulate_sources` DAG writes them)
SIMULATED_SOURCES = Asset(name="simulated_sources", uri="govlake://simulator/sources", group="simulator")

BRONZE_MINYI_TICKETS = Asset(name="bronze_minyi_tickets", uri="govlake://bronze/minyi/tickets", group="bronze")


def bronze(source: str) -> Asset:
    """A source's bronze zone (every entity of it: they land together in one `govlake ingest SOURCE`)."""
    if source == "minyi":  # the slice's Asset, kept under its original URI
        return BRONZE_MINYI_TICKETS
    return Asset(name=f"bronze_{source}", uri=f"govlake://bronze/{source}", group="bronze")


WAREHOUSE_MARTS = Asset(name="warehouse_marts", uri="govlake://warehouse/marts", group="warehouse")
SERVING_SNAPSHOT = Asset(name="serving_snapshot", uri="govlake://serving/snapshot", group="serving")
