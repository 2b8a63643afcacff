# syntax=docker/dockerfile:1.7
# Airflow 3 (api-server, scheduler, dag-processor, triggerer, Celery worker) for govlake.
# Two uv environments from their committed locks (docs/architecture.md §1): envs/airflow runs Airflow; the core env
# at /opt/govlake/.venv is what DAG tasks call through `govlake` ($GOVLAKE_BIN). Build context: the repo root.
ARG PYTHON_VERSION=3.11
ARG UV_VERSION=0.13.8

FROM ghcr.io/astral-sh/uv:${UV_VERSION} AS uv

FROM python:${PYTHON_VERSION}-slim-bookworm
COPY --from=uv /uv /uvx /usr/local/bin/

ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    PYTHONUNBUFFERED=1

RUN groupadd --gid 10001 govlake \
    && useradd --uid 10001 --gid govlake --home-dir /opt/airflow --no-create-home govlake \
    && mkdir -p /opt/govlake /opt/airflow /data \
    && chown govlake:govlake /opt/airflow /data

WORKDIR /opt/govlake

# Airflow's environment: uv.lock is our constraints file
COPY envs/airflow/pyproject.toml envs/airflow/uv.lock envs/airflow/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --locked --project envs/airflow

# the core environment the tasks run in
COPY pyproject.toml uv.lock README.md ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --locked --no-dev --no-install-project
COPY common/ common/
COPY govlake/ govlake/
COPY ingestion/ ingestion/
COPY quality/ quality/
COPY serving/ serving/
COPY services/ services/
COPY transform/ transform/
COPY superset_assets/ superset_assets/
COPY simulator/ simulator/
COPY dbt_project/ dbt_project/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --locked --no-dev

# DAGs are baked into the image: what was tested is what runs
COPY dags/ dags/

# airflow and celery on PATH; the core CLI only through GOVLAKE_BIN, so the two environments never mix
ENV PATH=/opt/govlake/envs/airflow/.venv/bin:$PATH \
    AIRFLOW_HOME=/opt/airflow \
    AIRFLOW__CORE__DAGS_FOLDER=/opt/govlake/dags \
    AIRFLOW__CORE__LOAD_EXAMPLES=false \
    GOVLAKE_BIN=/opt/govlake/.venv/bin/govlake \
    DATA_DIR=/data
USER govlake
EXPOSE 8080
CMD ["airflow", "version"]
