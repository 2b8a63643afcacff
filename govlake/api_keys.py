"""`govlake api-key create|list|revoke`: the marts API's keys (services/api/keystore.py, docs/api.md)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

api_key_app = typer.Typer(help="API keys of the marts API: a role and an optional area; stored hashed.",
                          no_args_is_help=True)
console = Console()


def _store():  # type: ignore[no-untyped-def]
    from services.api.auth import key_store

    return key_store()


@api_key_app.command("create")
def create(
    name: Annotated[str, typer.Option(help="who or what uses the key (an app, a street office)")],
    role: Annotated[str, typer.Option(help="app | street | analyst | admin (docs/api.md: the role × mart matrix)")],
    area: Annotated[str | None, typer.Option(help="restrict to a street (9 digits) or community (12) code")] = None,
    rate_limit: Annotated[int | None, typer.Option(min=1, help="requests per minute (default API_RATE_LIMIT)")] = None,
) -> None:
    """Create a key and print it once: only its hash is stored."""
    from services.api.keystore import KeyError_

    try:
        key, token = _store().create(name, role, area, rate_limit)
    except KeyError_ as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    console.print(f"key {key.key_id} ({key.role}{', area ' + key.area_code if key.area_code else ''}) — shown once, "
                  "store it now:", highlight=False)
    print(token)


@api_key_app.command("list")
def list_keys() -> None:
    """Every key: id, name, role, area, created, revoked (never the key)."""
    table = Table("name", "role", "area", "rate/min", "created", "revoked")
    table.add_column("id", no_wrap=True)
    for k in _store().list():
        table.add_row(k.name, k.role, k.area_code or "—", str(k.rate_limit or "default"),
                      f"{k.created_at:%Y-%m-%d %H:%M}", f"{k.revoked_at:%Y-%m-%d %H:%M}" if k.revoked_at else "",
                      k.key_id)
    console.print(table)


@api_key_app.command("revoke")
def revoke(key_id: Annotated[str, typer.Argument(help="the key id (govlake api-key list)")]) -> None:
    """Revoke a key: its next request gets 401 (within API_KEY_CACHE_SECONDS per API worker)."""
    if not _store().revoke(key_id):
        console.print(f"[red]no live key {key_id}[/red]")
        raise typer.Exit(1)
    console.print(f"revoked {key_id}")


def print_demo_key(api_url: str) -> None:
    """`govlake demo`: a fresh admin key for trying the API, printed once with a curl example."""
    key, token = _store().create("demo", "admin")
    console.print(f"marts API key {key.key_id} (admin; shown once, `govlake api-key revoke {key.key_id}` ends it):",
                  highlight=False)
    print(f"  curl -H 'Authorization: Bearer {token}' "
          f"'{api_url}/v1/marts/tickets-monthly-by-street?street_code=440309006&month=2024-03'")
