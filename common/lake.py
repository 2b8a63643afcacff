"""The lakehouse storage behind one small interface: a local directory (`file://`) or an S3 bucket (`s3://`, MinIO).

Keys are relative POSIX paths inside the lake (`bronze/minyi/tickets/...`). Writes are atomic on both backends: a
local file is written beside its target and renamed; an S3 object appears whole when its PUT completes.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlparse

import polars as pl

from common.settings import Settings

PARQUET_OPTIONS: dict[str, Any] = {"compression": "zstd", "row_group_size": 500_000, "statistics": True}


class Lake(Protocol):
    uri: str

    def url(self, key: str) -> str:
        """Where DuckDB and other engines read KEY (a local path or an s3:// URL; globs allowed)."""
        ...

    def put_bytes(self, key: str, data: bytes) -> None: ...
    def get_bytes(self, key: str) -> bytes: ...
    def exists(self, key: str) -> bool: ...
    def list(self, prefix: str) -> list[str]: ...
    def delete_prefix(self, prefix: str) -> None: ...
    def delete(self, key: str) -> None: ...

    def write_parquet(self, key: str, df: pl.DataFrame) -> None: ...
    def read_json(self, key: str) -> Any: ...
    def write_json(self, key: str, payload: Any) -> None: ...


class _Common:
    def put_bytes(self, key: str, data: bytes) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def get_bytes(self, key: str) -> bytes:  # pragma: no cover - overridden
        raise NotImplementedError

    def write_parquet(self, key: str, df: pl.DataFrame) -> None:
        buf = io.BytesIO()
        df.write_parquet(buf, **PARQUET_OPTIONS)
        self.put_bytes(key, buf.getvalue())

    def read_json(self, key: str) -> Any:
        return json.loads(self.get_bytes(key))

    def write_json(self, key: str, payload: Any) -> None:
        self.put_bytes(key, json.dumps(payload, ensure_ascii=False, indent=1, default=str).encode())


class LocalLake(_Common):
    def __init__(self, root: Path) -> None:
        self.root = root
        self.uri = root.as_uri()
        root.mkdir(parents=True, exist_ok=True)

    def url(self, key: str) -> str:
        return str(self.root / key)

    def put_bytes(self, key: str, data: bytes) -> None:
        target = self.root / key
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)

    def write_parquet(self, key: str, df: pl.DataFrame) -> None:
        # local files skip the in-memory buffer: polars writes straight to a temp file that is then renamed
        target = self.root / key
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        os.close(fd)
        df.write_parquet(tmp, **PARQUET_OPTIONS)
        os.replace(tmp, target)

    def get_bytes(self, key: str) -> bytes:
        return (self.root / key).read_bytes()

    def exists(self, key: str) -> bool:
        return (self.root / key).exists()

    def list(self, prefix: str) -> list[str]:
        base = self.root / prefix
        if not base.exists():
            return []
        return sorted(
            str(p.relative_to(self.root)) for p in base.rglob("*") if p.is_file() and not p.name.startswith(".tmp-")
        )

    def delete_prefix(self, prefix: str) -> None:
        shutil.rmtree(self.root / prefix, ignore_errors=True)

    def delete(self, key: str) -> None:
        (self.root / key).unlink(missing_ok=True)


class S3Lake(_Common):
    def __init__(self, bucket: str, prefix: str, settings: Settings) -> None:
        from minio import Minio  # only needed for s3://

        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.uri = f"s3://{bucket}" + (f"/{self.prefix}" if self.prefix else "")
        self.client = Minio(
            settings.s3_endpoint,
            access_key=settings.s3_access_key,
            secret_key=settings.s3_secret_key,
            secure=settings.s3_secure,
            region=settings.s3_region,
        )
        if not self.client.bucket_exists(bucket):
            self.client.make_bucket(bucket)

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def url(self, key: str) -> str:
        return f"{self.uri}/{key}"

    def put_bytes(self, key: str, data: bytes) -> None:
        self.client.put_object(self.bucket, self._key(key), io.BytesIO(data), len(data))

    def get_bytes(self, key: str) -> bytes:
        resp = self.client.get_object(self.bucket, self._key(key))
        try:
            return resp.read()
        finally:
            resp.close()
            resp.release_conn()

    def exists(self, key: str) -> bool:
        from minio.error import S3Error

        try:
            self.client.stat_object(self.bucket, self._key(key))
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchObject", "ResourceNotFound"):
                return False
            raise
        return True

    def list(self, prefix: str) -> list[str]:
        strip = len(self.prefix) + 1 if self.prefix else 0
        objs = self.client.list_objects(self.bucket, prefix=self._key(prefix), recursive=True)
        return sorted(o.object_name[strip:] for o in objs if o.object_name)

    def delete_prefix(self, prefix: str) -> None:
        for key in self.list(prefix):
            self.delete(key)

    def delete(self, key: str) -> None:
        self.client.remove_object(self.bucket, self._key(key))


def open_lake(settings: Settings) -> Lake:
    parsed = urlparse(settings.lake)
    if parsed.scheme == "file":
        return LocalLake(Path(parsed.path))
    if parsed.scheme == "s3":
        return S3Lake(parsed.netloc, parsed.path, settings)
    raise ValueError(f"LAKE_URI must start with file:// or s3://, got {settings.lake!r}")
