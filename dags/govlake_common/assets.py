"""The lake's Assets: one URI per dataset a DAG produces, so ingestion → transform → publish chain.

A future per-source DAG adds its bronze Asset here and lists it as an outlet; the transform DAG can
schedule on them.
"""

from __future__ import annotations

from airflow.sdk import Asset

BRONZE_MINYI_TICKETS = Asset(name="bronze_minyi_tickets", uri="govlake://bronze/minyi/tickets", group="bronze")
WAREHOUSE_MARTS = Asset(name="warehouse_marts", uri="govlake://warehouse/marts", group="warehouse")
SERVING_SNAPSHOT = Asset(name="serving_snapshot", uri="govlake://serving/snapshot", group="serving")
