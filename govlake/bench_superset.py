"""The Superset stage of `govlake bench`: each dashboard's cold and warm render time in headless Chromium.

Superset runs on the bench's own data dir (a fresh metadata DB and empty caches) on a free loopback port. Logged in
as `leader`, each dashboard is opened twice: cold (nothing cached: every chart queries the snapshot) and warm (the
same URL again: chart data from Superset's cache, the page's code from the browser's). A render ends when every
chart has drawn, or shown an error, which the stage reports.

The page-side checks (CHART_STATE_JS, ALL_RENDERED_JS, render_dashboard) are shared with the e2e test.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path
from typing import Any

import yaml

from common.settings import Settings

CHROMIUM = Path("/usr/bin/chromium")
# The one map is a deck.gl (WebGL) chart. Headless Chromium has no GPU here (--disable-gpu: software compositing):
# WebGL runs on SwiftShader, its CPU renderer, which recent Chromium versions only allow with
# --enable-unsafe-swiftshader (no longer as a silent fallback).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--enable-unsafe-swiftshader",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

# Runs in the page: the state of every chart on the dashboard.
CHART_STATE_JS = """
() => [...document.querySelectorAll('[data-test="chart-grid-component"]')].map(holder => {
  const body = holder.querySelector('[data-test="chart-container"]');
  return {
    title: (holder.querySelector('[data-test="editable-title"]')?.innerText ?? '').trim(),
    drawn: body ? body.querySelectorAll('canvas, svg').length : 0,
    text: body ? body.innerText : '',
    loading: holder.querySelectorAll('[data-test="loading-indicator"], .loading').length,
    errors: holder.querySelectorAll('.ant-alert-error, [data-test="error-alert"], [role="alert"]').length,
  };
})
"""
# Superset's empty-state texts, English and the zh language pack: an empty chart has finished too
EMPTY_STATE_TEXTS = ("No results", "No data", "无结果", "没有数据", "暂无数据")
ALL_RENDERED_JS = f"""
(expected) => {{
  const EMPTY = /{"|".join(EMPTY_STATE_TEXTS)}/;
  const charts = ({CHART_STATE_JS})();
  return charts.length >= expected && charts.every(c =>
    c.loading === 0 && (c.errors > 0 || c.drawn > 0 || /\\d/.test(c.text) || EMPTY.test(c.text)));
}}
"""


def dashboards() -> list[tuple[str, str, set[str]]]:
    """(slug, title, chart titles) of every dashboard in the Superset bundle."""
    from superset_assets.lifecycle import ASSETS_DIR

    found = []
    for path in sorted((ASSETS_DIR / "dashboards").glob("*.yaml")):
        dash = yaml.safe_load(path.read_text(encoding="utf-8"))
        titles = {item["meta"]["sliceName"] for item in dash["position"].values()
                  if isinstance(item, dict) and item.get("type") == "CHART"}
        found.append((dash["slug"], dash["dashboard_title"], titles))
    return found


def browser_login(page: Any, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click('[data-test="login-button"]')
    page.wait_for_url(lambda url: "/login" not in url, timeout=30_000)


def render_dashboard(page: Any, base: str, slug: str, expected_charts: int, timeout_ms: int = 180_000) -> float:
    """Open a dashboard, wait until every chart has drawn (or shown an error); the seconds it took."""
    started = time.monotonic()
    page.goto(f"{base}/superset/dashboard/{slug}/")
    page.wait_for_function(ALL_RENDERED_JS, arg=expected_charts, timeout=timeout_ms, polling=100)
    return time.monotonic() - started


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def unavailable() -> str | None:
    """Why the stage cannot run here, or None."""
    from superset_assets import lifecycle

    if not lifecycle.is_installed():
        return "the Superset environment is missing (uv sync --locked --project envs/superset)"
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium fonts-noto-cjk)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is missing from the core environment (uv sync)"
    return None


def render_times(published: Settings) -> dict[str, Any]:
    """Start Superset on PUBLISHED's data dir, time every dashboard cold and warm as `leader`, stop Superset."""
    if reason := unavailable():
        return {"skipped": reason}
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    from superset_assets import lifecycle

    settings = published.model_copy(update={"superset_host": "127.0.0.1", "superset_port": _free_port()})
    started = time.monotonic()
    lifecycle.init(settings)
    lifecycle.start(settings)
    setup_seconds = time.monotonic() - started
    results = []
    try:
        base = lifecycle.base_url(settings)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1600, "height": 1100}, locale="zh-CN")
                browser_login(page, base, "leader", settings.superset_demo_password)
                for slug, title, charts in dashboards():
                    result: dict[str, Any] = {"dashboard": title, "slug": slug, "charts": len(charts)}
                    try:
                        result["cold_seconds"] = round(render_dashboard(page, base, slug, len(charts)), 2)
                        result["warm_seconds"] = round(render_dashboard(page, base, slug, len(charts)), 2)
                    except PlaywrightTimeout:
                        result["error"] = "not every chart rendered within 180 s"
                    states = page.evaluate(f"({CHART_STATE_JS})()")
                    result["charts_with_errors"] = sum(1 for c in states if c["errors"])
                    results.append(result)
            finally:
                browser.close()
    finally:
        lifecycle.stop(settings)
    return {"setup_seconds": round(setup_seconds, 1), "dashboards": results}


def print_report(report: dict[str, Any], out: Any) -> None:
    """The stage's lines for `govlake bench` (OUT: a rich Console)."""
    if "skipped" in report:
        out.print(f"superset dashboards: skipped ({report['skipped']})")
        return
    out.print(f"superset dashboards (headless Chromium, as leader; init + start {report['setup_seconds']} s):")
    for d in report["dashboards"]:
        errors = f", {d['charts_with_errors']} chart(s) with an error" if d["charts_with_errors"] else ""
        if "error" in d:
            out.print(f"  {d['dashboard']}: {d['charts']} charts, {d['error']}{errors}")
            continue
        out.print(f"  {d['dashboard']}: {d['charts']} charts, cold {d['cold_seconds']:.2f} s, "
                  f"warm {d['warm_seconds']:.2f} s{errors}")
