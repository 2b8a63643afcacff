"""Import a rendered asset bundle (ZIP) into Superset, overwriting every object in it.

Run with the Superset environment's interpreter (superset_assets.lifecycle does this):

    envs/superset/.venv/bin/python superset_assets/import_bundle.py BUNDLE.zip ADMIN_USER

Why not `superset import-dashboards`: it imports databases, datasets and charts with overwrite=False, so a changed
chart or a new serving path would never reach an existing installation. ImportAssetsCommand (the command behind
/api/v1/assets/import/) overwrites everything, which is what assets kept under source control need.
"""

from __future__ import annotations

import sys
from zipfile import ZipFile


def main(bundle_path: str, username: str) -> None:
    from superset.app import create_app

    app = create_app()
    with app.app_context():
        from superset import security_manager
        from superset.commands.importers.v1.assets import ImportAssetsCommand
        from superset.commands.importers.v1.utils import get_contents_from_bundle
        from superset.utils.core import override_user

        user = security_manager.find_user(username=username)
        if user is None:
            raise SystemExit(f"Superset user {username!r} does not exist; run `superset fab create-admin` first")
        with ZipFile(bundle_path) as bundle:
            contents = get_contents_from_bundle(bundle)
        with override_user(user):
            ImportAssetsCommand(contents).run()
        print(f"imported {len(contents)} asset files from {bundle_path}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    main(sys.argv[1], sys.argv[2])
