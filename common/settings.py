"""One settings object for the whole platform, read from the environment and `.env`.

Every path defaults to somewhere under DATA_DIR (`./var`), so the embedded default needs no configuration.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=REPO_ROOT / ".env", extra="ignore")

    data_dir: Path = Field(default=REPO_ROOT / "var", description="root of everything generated")
    lake_uri: str = Field(default="", description="file://PATH (default DATA_DIR/lake) or s3://bucket[/prefix]")

    # S3 / MinIO (only used when lake_uri starts with s3://)
    s3_endpoint: str = "127.0.0.1:9000"
    s3_access_key: str = "minioadmin"
    s3_secret_key: str = "minioadmin"
    s3_region: str = "us-east-1"
    s3_secure: bool = False

    # source systems: SQLAlchemy URLs; empty = the simulator's embedded SQLite database under DATA_DIR/sources
    source_minyi_url: str = ""  # S1 民意速办 (MariaDB in production)
    source_pingan_url: str = ""  # S2/S3 深平安 and the safety baseline (PostgreSQL in production)
    source_zhengfa_url: str = ""  # S6–S10 case, life-care, volunteer, patrol, court and supervision systems

    # REST upstreams (S5 community workbench); empty = the simulator's HTTP server
    community_api_url: str = ""
    community_api_token: str = "dev-only-community-token"

    # pseudonymisation key for personal identifiers (HMAC-SHA256); override in every real deployment
    pseudonym_key: str = "dev-only-pseudonym-key"

    # a batch fails loudly when more than this share of its rows is rejected — once it is big enough for a share to
    # mean something (one bad row in a 19-row incremental batch is not a broken source)
    max_reject_rate: float = 0.05
    reject_rate_min_rows: int = 200

    # the served marts (DuckLake): its catalog as a DuckLake URI tail (sqlite:PATH, postgres:dbname=… host=…);
    # empty = SQLite at DATA_DIR/serving/catalog.sqlite. Snapshots older than the retention expire (the newest stays)
    serving_catalog: str = ""
    serving_retention_days: float = Field(default=30, ge=0, description="days a published snapshot stays readable")
    # a changed table up to this many rows is rewritten whole at a publish; a bigger one is patched by its changed rows
    serving_replace_max_rows: int = Field(default=250_000, ge=0)
    # rows per Parquet row group of the served files: a filtered read (a street's month, a date window) skips the row
    # groups whose statistics rule them out, so smaller groups let it read less (DuckDB's default is 122,880)
    serving_row_group_size: int = Field(default=16_384, ge=2_048)
    # `govlake publish` lowers its CPU priority by this much (nice): a publish is batch work, and on a host that
    # also serves the API or Superset their requests should not queue behind it; 0 keeps the priority
    publish_nice: int = Field(default=10, ge=0, le=19)

    api_host: str = "127.0.0.1"
    api_port: int = 8000
    superset_host: str = "127.0.0.1"
    superset_port: int = 8088
    superset_admin_user: str = "admin"
    superset_admin_password: str = "admin"
    superset_secret_key: str = "dev-only-superset-secret-key-change-me"
    superset_database_uri: str = Field(default="", description="Superset metadata DB; empty = SQLite in DATA_DIR")
    superset_locale: str = "zh"
    superset_demo_password: str = Field(default="govlake-demo", description="password of the demo users "
                                        "(leader, analyst, engineer, street_<code>)")
    # `govlake serve airflow` / `govlake demo`: the Airflow UI's login (simple auth manager, loopback only)
    airflow_admin_user: str = "admin"
    airflow_admin_password: str = "admin"

    @property
    def lake(self) -> str:
        return self.lake_uri or (self.data_dir / "lake").resolve().as_uri()

    @property
    def sources_dir(self) -> Path:
        return self.data_dir / "sources"

    def source_url(self, system: str) -> str:
        """SOURCE_<SYSTEM>_URL when set, else the simulator's embedded SQLite database of that system."""
        configured = getattr(self, f"source_{system}_url", "")
        return configured or f"sqlite:///{(self.sources_dir / f'{system}.sqlite').resolve()}"

    @property
    def minyi_url(self) -> str:
        return self.source_url("minyi")

    @property
    def warehouse_path(self) -> Path:
        """The dbt working database: the single writer's file, never opened by readers."""
        return self.data_dir / "warehouse" / "build.duckdb"

    @property
    def serving_dir(self) -> Path:
        return self.data_dir / "serving"

    @property
    def serving_catalog_uri(self) -> str:
        """The DuckLake catalog every reader and the publisher attach (`ducklake:<this>`)."""
        return self.serving_catalog or f"sqlite:{(self.serving_dir / 'catalog.sqlite').resolve()}"

    @property
    def run_dir(self) -> Path:
        """pid files and logs of background servers started by `govlake serve`."""
        return self.data_dir / "run"


@lru_cache
def get_settings() -> Settings:
    return Settings()
