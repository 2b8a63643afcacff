"""Roles, row-level security and the demo users, applied to Superset idempotently after each asset import.

Run with the Superset environment's interpreter (superset_assets.lifecycle does this):

    envs/superset/.venv/bin/python superset_assets/access.py DATABASE_NAME

Who sees what (docs/superset.md):
- 领导 `leader`: every dashboard and every area — Gamma plus read access to the published database.
- 街道 `street_<street_code>`: every dashboard, only their street's rows on every dataset that has `street_code`
  (one Regular RLS rule per street, on the role `govlake_street_<code>`); no SQL Lab.
- 分析 `analyst`: every dashboard, and SQL Lab on the published data, which the engine opens read-only.
- 工程 `engineer`: the data-quality datasets (so the data-quality dashboard) and SQL Lab.
A second run changes nothing: roles are set, not added to; users are created once; each RLS rule is rewritten.
Demo users' password: SUPERSET_DEMO_PASSWORD (default govlake-demo).
"""

from __future__ import annotations

import csv
import os
import sys
from pathlib import Path

STREETS_SEED = Path(__file__).resolve().parent.parent / "dbt_project" / "seeds" / "ref_streets.csv"
READER_ROLE = "govlake_reader"  # read access to every dataset of the published database
QUALITY_ROLE = "govlake_quality_reader"  # read access to the data-quality datasets only
STREET_ROLE = "govlake_street_{code}"
QUALITY_TABLES = frozenset({"fct_ingestion_batches", "agg_quarantine_by_rule", "agg_source_freshness",
                            "log_pipeline_alerts"})


def street_codes() -> dict[str, str]:
    with STREETS_SEED.open(encoding="utf-8", newline="") as fh:
        return {row["street_code"]: row["street_name"] for row in csv.DictReader(fh)}


def demo_users() -> list[tuple[str, str, list[str]]]:
    """(username, first name, roles) of every demo user."""
    users = [
        ("leader", "领导", ["Gamma", READER_ROLE]),
        ("analyst", "分析", ["Gamma", READER_ROLE, "sql_lab"]),
        ("engineer", "工程", ["Gamma", QUALITY_ROLE, "sql_lab"]),
    ]
    users += [(f"street_{code}", f"{name}街道", ["Gamma", READER_ROLE, STREET_ROLE.format(code=code)])
              for code, name in street_codes().items()]
    return users


def main(database_name: str) -> None:
    from superset.app import create_app

    app = create_app()
    with app.app_context():
        from superset import db, security_manager
        from superset.connectors.sqla.models import RowLevelSecurityFilter, SqlaTable
        from superset.models.core import Database
        from superset.utils.core import RowLevelSecurityFilterType

        database = db.session.query(Database).filter_by(database_name=database_name).one_or_none()
        if database is None:
            raise SystemExit(f"no Superset database {database_name!r}: import the asset bundle first")
        tables = db.session.query(SqlaTable).filter_by(database_id=database.id).all()

        def pvm(permission: str, view: str):  # noqa: ANN202 - FAB's PermissionView
            found = security_manager.find_permission_view_menu(permission, view)
            if found is None:
                security_manager.add_permission_view_menu(permission, view)
                found = security_manager.find_permission_view_menu(permission, view)
            return found

        # anonymous visitors (the login page) may fetch the UI's language pack, nothing else (superset_config.py)
        public = security_manager.add_role("Public")
        public.permissions = [pvm("can_language_pack", "Superset")]

        reader = security_manager.add_role(READER_ROLE)
        reader.permissions = [pvm("database_access", database.perm)]
        quality = security_manager.add_role(QUALITY_ROLE)
        quality.permissions = [pvm("datasource_access", t.perm) for t in tables
                               if t.table_name in QUALITY_TABLES]

        with_street = [t for t in tables if any(c.column_name == "street_code" for c in t.columns)]
        for code in street_codes():
            role = security_manager.add_role(STREET_ROLE.format(code=code))
            role.permissions = []
            name = f"govlake street {code}"
            rule = db.session.query(RowLevelSecurityFilter).filter_by(name=name).one_or_none()
            if rule is None:
                rule = RowLevelSecurityFilter(name=name)
                db.session.add(rule)
            rule.description = f"街道用户只看本街道 ({code}) 的数据"
            rule.filter_type = RowLevelSecurityFilterType.REGULAR.value
            rule.group_key = "street"
            rule.clause = f"street_code = '{code}'"
            rule.roles = [role]
            rule.tables = with_street

        password = os.environ.get("SUPERSET_DEMO_PASSWORD") or "govlake-demo"
        for username, first_name, role_names in demo_users():
            roles = [security_manager.find_role(r) for r in role_names]
            missing = [r for r, found in zip(role_names, roles, strict=True) if found is None]
            if missing:
                raise SystemExit(f"Superset role {missing[0]!r} is missing: run `superset init` first")
            user = security_manager.find_user(username=username)
            if user is None:
                security_manager.add_user(username, first_name, "govlake", f"{username}@govlake.invalid", roles,
                                          password=password)
            else:
                user.roles = roles
        db.session.commit()
        print(f"access: {len(demo_users())} demo users, {len(street_codes())} street RLS rules on "
              f"{len(with_street)} datasets")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    main(sys.argv[1])
