"""The code base stays ruff-clean and the dbt SQL sqlfluff-clean (lower-case, consistent layout)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def test_python_is_ruff_clean() -> None:
    proc = subprocess.run([str(BIN / "ruff"), "check", "."], cwd=REPO, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout[-4000:]


def test_dbt_models_are_sqlfluff_clean() -> None:
    # one process per core (--processes 0): ~45 s instead of ~90 s for the 129 models on two cores
    proc = subprocess.run(
        [str(BIN / "sqlfluff"), "lint", "dbt_project/models", "--nofail", "--format", "github-annotation-native",
         "--processes", "0"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert "::error" not in proc.stdout and "::warning" not in proc.stdout, proc.stdout[-4000:]
