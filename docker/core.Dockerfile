# syntax=docker/dockerfile:1.7
# govlake core: ingestion, quality, dbt, publish, the marts API and the `govlake` CLI.
# Build context is the repo root (see docker-compose.yml). Installs exactly the committed uv.lock.
ARG PYTHON_VERSION=3.11
ARG UV_VERSION=0.13.8

FROM ghcr.io/astral-sh/uv:${UV_VERSION} AS uv

FROM python:${PYTHON_VERSION}-slim-bookworm
COPY --from=uv /uv /uvx /usr/local/bin/

# bytecode compiled at build time (faster start); copy, not hardlink, out of the cache mount;
# use the image's CPython, never a downloaded one
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    PYTHONUNBUFFERED=1

# one uid for every govlake image, so the shared /data volume is writable by the writer and readable by readers
RUN groupadd --gid 10001 govlake \
    && useradd --uid 10001 --gid govlake --home-dir /opt/govlake --no-create-home govlake \
    && mkdir -p /opt/govlake /data \
    && chown govlake:govlake /data

WORKDIR /opt/govlake

# dependencies first: this layer is reused until uv.lock changes
COPY pyproject.toml uv.lock README.md ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --locked --no-dev --no-install-project

# editable install on purpose: settings.REPO_ROOT must be /opt/govlake, where dbt_project/ and friends live
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

ENV PATH=/opt/govlake/.venv/bin:$PATH \
    DATA_DIR=/data
USER govlake
EXPOSE 8000
# the marts API in the foreground (API_HOST/API_PORT from the environment)
CMD ["govlake", "serve", "api", "--no-background"]
