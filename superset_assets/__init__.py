"""Superset as code: the asset bundle (YAML), its config, the import script and the lifecycle (init, start, stop)."""
