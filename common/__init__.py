"""The shared base every other package builds on: settings, DuckDB connection setup, pseudonymisation, dbt UDFs.

It imports none of govlake's other packages (a test walks the imports), so ingestion, quality, the transform and
publish code, the services and the CLI can all depend on it without cycles.
"""
