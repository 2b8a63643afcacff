#!/bin/bash
# Runs once, on the first start of an empty PostgreSQL volume (/docker-entrypoint-initdb.d):
# one database and owner role each for Airflow's and Superset's metadata, and the served marts' DuckLake catalog.
set -euo pipefail

: "${AIRFLOW_DB_PASSWORD:?AIRFLOW_DB_PASSWORD is not set}"
: "${SUPERSET_DB_PASSWORD:?SUPERSET_DB_PASSWORD is not set}"
: "${SERVING_DB_PASSWORD:?SERVING_DB_PASSWORD is not set}"

# psql variables (:'name') quote the passwords, so no value can break out of the SQL
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "${POSTGRES_DB:-$POSTGRES_USER}" \
    -v airflow_password="$AIRFLOW_DB_PASSWORD" -v superset_password="$SUPERSET_DB_PASSWORD" \
    -v serving_password="$SERVING_DB_PASSWORD" <<'SQL'
CREATE ROLE airflow LOGIN PASSWORD :'airflow_password';
CREATE DATABASE airflow OWNER airflow;
CREATE ROLE superset LOGIN PASSWORD :'superset_password';
CREATE DATABASE superset OWNER superset;
CREATE ROLE govlake_serving LOGIN PASSWORD :'serving_password';
CREATE DATABASE govlake_serving OWNER govlake_serving;
SQL
