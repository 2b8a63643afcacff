# syntax=docker/dockerfile:1.7
# Superset on the published DuckDB snapshot. Two uv environments from their committed locks: envs/superset runs
# Superset (SQLAlchemy 1.4 stack); the core env runs `superset_assets.lifecycle.init`, which migrates Superset's metadata,
# creates the admin and imports superset_assets/ rendered for this deployment. Build context: the repo root.
ARG PYTHON_VERSION=3.11
ARG UV_VERSION=0.13.8

FROM ghcr.io/astral-sh/uv:${UV_VERSION} AS uv

FROM python:${PYTHON_VERSION}-slim-bookworm
COPY --from=uv /uv /uvx /usr/local/bin/

ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    PYTHONUNBUFFERED=1

# Chinese labels in rendered charts and reports need CJK fonts
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid 10001 govlake \
    && useradd --uid 10001 --gid govlake --home-dir /opt/govlake --no-create-home govlake \
    && mkdir -p /opt/govlake /data \
    && chown govlake:govlake /data

WORKDIR /opt/govlake

COPY envs/superset/pyproject.toml envs/superset/uv.lock envs/superset/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --locked --project envs/superset

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
COPY simulator/ simulator/
COPY dbt_project/ dbt_project/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --locked --no-dev

COPY superset_assets/ superset_assets/

ENV PATH=/opt/govlake/envs/superset/.venv/bin:$PATH \
    SUPERSET_CONFIG_PATH=/opt/govlake/superset_assets/superset_config.py \
    FLASK_APP=superset \
    DATA_DIR=/data
USER govlake
EXPOSE 8088
# superset_assets.lifecycle.start's flags with two workers: explore URLs carry long form data, hence the limits
CMD ["gunicorn", "--bind", "0.0.0.0:8088", "--workers", "2", "--worker-class", "gthread", "--threads", "8", \
     "--timeout", "120", "--limit-request-line", "0", "--limit-request-field_size", "0", \
     "superset.app:create_app()"]
