"""The data dictionary (数据字典): dbt's own docs site of the served marts, generated after each publish.

`dbt docs generate --static` writes one self-contained page (static_index.html: the manifest — every model's
中文 description, column docs, tests and lineage — and the warehouse catalog's column types, inlined). It runs
after a successful publish, never inside it (the publish's time is a target of its own), with a target path of its
own (the build's target/, which the API reads its contracts from, is left alone) starting from the build's saved
parse, and without compiling again: the page inlines the build's own manifest.json (docs, tests, lineage, the
compiled SQL of what was built) and a catalog of the warehouse's column types, the one query dbt runs here.

The result is a directory `DATA_DIR/catalog/<snapshot>-<n>/` (index.html, index.html.gz, about.json) and a symlink
`DATA_DIR/catalog/current` to it, replaced by a rename: a reader opens either the old complete catalog or the new
one, never a half-written file. Older directories are removed once two newer ones exist (a reader still holding an
old file keeps reading it: it is gone from the directory only).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from common.settings import Settings

KEEP = 2  # catalog directories kept: the current one and the one before it
PAGE = "index.html"
ABOUT = "about.json"


class DataDictionaryError(RuntimeError):
    """dbt could not generate the docs: the message carries its output's tail."""


@dataclass(frozen=True)
class DataDictionary:
    path: Path  # the directory holding index.html
    snapshot: int | None  # the published snapshot it was generated after
    generated_at: str
    seconds: float  # the whole generation (dbt's parse, the catalog query, writing the page)
    dbt_seconds: float
    bytes: int
    gzip_bytes: int
    manifest_sha256: str


def root(settings: Settings) -> Path:
    return settings.data_dir / "catalog"


def current_path(settings: Settings) -> Path:
    return root(settings) / "current"


def _build_manifest(settings: Settings) -> Path:
    return settings.data_dir / "dbt" / "target" / "manifest.json"


def _sha256(path: Path) -> str:
    if not path.exists():
        return ""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def current(settings: Settings) -> DataDictionary | None:
    """The catalog served now, or None before the first generation."""
    link = current_path(settings)
    try:
        directory = link.resolve(strict=True)
        about = json.loads((directory / ABOUT).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return DataDictionary(path=directory, **about)


def is_current(settings: Settings, snapshot: int | None) -> bool:
    """Whether the served catalog was generated after SNAPSHOT from the build's present manifest."""
    served = current(settings)
    return served is not None and served.snapshot == snapshot and \
        served.manifest_sha256 == _sha256(_build_manifest(settings))


def _run_dbt(settings: Settings, target: Path) -> None:
    from transform.dbt_runner import DBT_PROJECT_DIR, PARSE_CACHE, dbt_env

    build = settings.data_dir / "dbt" / "target"
    if not (build / "manifest.json").exists():
        raise DataDictionaryError("no dbt build in this data dir yet: run `govlake transform` first")
    # the page inlines the build's own manifest (its docs, tests, lineage and compiled SQL): what was published
    shutil.copy2(build / "manifest.json", target / "manifest.json")
    saved = build / "partial_parse.msgpack"
    source = saved if saved.exists() else PARSE_CACHE
    if source.exists():  # start from the build's parse: dbt re-checks it file by file (a full parse is ~10 s)
        shutil.copy2(source, target / "partial_parse.msgpack")
    dbt = Path(sys.executable).with_name("dbt")
    result = subprocess.run(
        [str(dbt), "docs", "generate", "--static", "--no-compile",
         "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
         "--target-path", str(target), "--log-path", str(target / "logs")],
        cwd=settings.data_dir, env={**os.environ, **dbt_env(settings), "DATA_DIR": str(settings.data_dir.resolve())},
        capture_output=True, text=True, check=False)
    if result.returncode != 0 or not (target / "static_index.html").exists():
        tail = (result.stdout + result.stderr)[-2000:]
        raise DataDictionaryError(f"dbt docs generate failed (exit {result.returncode}):\n{tail}")


def generate(settings: Settings, snapshot: int | None) -> DataDictionary:
    """Generate the docs site and make it the served catalog (atomically); old catalogs are pruned."""
    started = time.perf_counter()
    base = root(settings)
    base.mkdir(parents=True, exist_ok=True)
    manifest_sha = _sha256(_build_manifest(settings))
    work = settings.data_dir / "dbt" / f"docs-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        dbt_started = time.perf_counter()
        _run_dbt(settings, work)
        dbt_seconds = time.perf_counter() - dbt_started
        page = (work / "static_index.html").read_bytes()
        n = 1 + max((int(p.name.rsplit("-", 1)[1]) for p in base.iterdir()
                     if p.is_dir() and not p.is_symlink() and p.name.rsplit("-", 1)[-1].isdigit()), default=0)
        staging = base / f".{snapshot or 0}-{n}.partial"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        (staging / PAGE).write_bytes(page)
        packed = gzip.compress(page, compresslevel=6, mtime=0)
        (staging / f"{PAGE}.gz").write_bytes(packed)
        about: dict[str, Any] = {
            "snapshot": snapshot, "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "seconds": round(time.perf_counter() - started, 3), "dbt_seconds": round(dbt_seconds, 3),
            "bytes": len(page), "gzip_bytes": len(packed), "manifest_sha256": manifest_sha,
        }
        (staging / ABOUT).write_text(json.dumps(about), encoding="utf-8")
        final = base / f"{snapshot or 0}-{n}"
        staging.rename(final)  # the directory is whole before anything points at it
        link = base / f".current.{os.getpid()}"
        link.unlink(missing_ok=True)
        link.symlink_to(final.name)
        link.replace(current_path(settings))  # rename(2): readers see the old catalog or the new one
        _prune(base, final)
        return DataDictionary(path=final, **about)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _prune(base: Path, keep: Path) -> None:
    dirs = sorted((p for p in base.iterdir() if p.is_dir() and not p.is_symlink() and not p.name.startswith(".")),
                  key=lambda p: p.stat().st_mtime)
    for old in [d for d in dirs if d != keep][: max(0, len(dirs) - KEEP)]:
        shutil.rmtree(old, ignore_errors=True)
