"""`govlake` — the one way in, for people and for Airflow tasks alike."""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from common.settings import get_settings
from govlake.api_keys import api_key_app, print_demo_key

app = typer.Typer(help="govlake: lakehouse, ETL and BI for Longhua's political-legal and governance systems.",
                  no_args_is_help=True, pretty_exceptions_show_locals=False)
console = Console(stderr=True, soft_wrap=True)


def _out() -> Console:
    """Tables on stdout; wide enough when piped (rich would assume 80 columns)."""
    out = Console()
    return out if out.is_terminal else Console(width=160)


def _fail(message: str) -> typer.Exit:
    console.print(f"[red]error:[/red] {message}")
    return typer.Exit(code=1)


def _mess(pairs: list[str]) -> dict[str, float]:
    out = {}
    for pair in pairs:
        kind, _, rate = pair.partition("=")
        try:
            out[kind.strip()] = float(rate)
        except ValueError:
            raise _fail(f"--mess takes KIND=RATE, e.g. --mess duplicate=0.01; got {pair!r}") from None
    return out


@app.command()
def simulate(
    scale: Annotated[float, typer.Option(help="1.0 = Longhua 2024 (1,057,500 tickets)")] = 0.01,
    seed: Annotated[int, typer.Option(help="same seed, same data")] = 42,
    out: Annotated[str | None, typer.Option(help="files and SQLite sources go here (default DATA_DIR/sources)")] = None,
    as_of: Annotated[datetime | None, typer.Option(help="project the source systems onto this instant")] = None,
    mess: Annotated[list[str] | None, typer.Option(help="KIND=RATE: a planted-defect rate (repeatable)")] = None,
    clean: Annotated[bool, typer.Option(help="plant no defects at all")] = False,
    system: Annotated[list[str] | None, typer.Option(help="only these systems (repeatable)")] = None,
    show_calibration: Annotated[bool, typer.Option("--calibration", help="print every indicator vs the seed")] = False,
) -> None:
    """Write the simulated source systems through their native interfaces, and their ground truth."""
    from pathlib import Path

    from simulator.context import MessConfig
    from simulator.run import SYSTEMS, TRUTH_FILE, run

    settings = get_settings()
    target = Path(out) if out else settings.sources_dir
    try:
        config = MessConfig().with_overrides(_mess(mess or []))
    except ValueError as exc:
        raise _fail(str(exc)) from exc
    if clean:
        config = config.scaled(0.0)
    urls = {name: getattr(settings, f"source_{name}_url", "") for name in SYSTEMS}
    with console.status(f"simulating at scale {scale} …"):
        truth = run(target, scale=scale, seed=seed, as_of=as_of, mess=config, urls={k: v for k, v in urls.items() if v},
                    systems=system, progress=lambda name, secs: console.print(f"  {name}: {secs:.1f}s"))
    console.print(f"simulated {', '.join(system or SYSTEMS)} into {target} — {sum(truth.counts.values()):,} rows, "
                  f"{len(truth.anomalies):,} planted anomalies; ground truth: {target / TRUTH_FILE}")
    from simulator.calibration import calibration

    rows = [r for r in calibration(truth) if r["got"] is not None]
    console.print(f"calibration vs the seed document: {sum(r['ok'] for r in rows)}/{len(rows)} indicators within "
                  "the seed's reading" + ("" if show_calibration else " (--calibration for the table)"))
    if show_calibration:
        def fmt(v: float | None) -> str:
            if v is None:
                return "–"
            return f"{v:,.3f}".rstrip("0").rstrip(".") if isinstance(v, float) and v < 1000 else f"{v:,.0f}"

        table = Table("indicator", "指标", "seed (reading)", f"judged by (scale {scale})", "simulated", "ok")
        for r in rows:
            bounds = "–" if r["low"] is None else (f"[{fmt(r['low'])}, {fmt(r['high'])})" if scale >= 1.0
                                                  else f"≈ {fmt(r['want'])}")
            table.add_row(r["code"], r["name"], r["reading"] or "the data's own", bounds, fmt(r["got"]),
                          "yes" if r["ok"] else "NO")
        _out().print(table)


upstream_app = typer.Typer(help="The simulated REST upstreams (community workbench, video platform).",
                            no_args_is_help=True)
app.add_typer(upstream_app, name="upstream")
app.add_typer(api_key_app, name="api-key")


@upstream_app.command("serve")
def upstream_serve(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8765,
    rate_limit: Annotated[float, typer.Option(help="requests per second per token (0 = unlimited)")] = 50.0,
    error_rate: Annotated[float, typer.Option(help="share of requests answered with a 5xx")] = 0.0,
    seed: Annotated[int, typer.Option(help="seed of the 5xx draw (same seed, same failures)")] = 0,
    data_dir: Annotated[str | None, typer.Option(help="the simulator's output (default DATA_DIR/sources)")] = None,
) -> None:
    """Serve the simulated REST upstreams in the foreground, behaving as real ones do (auth, paging, 429, 5xx)."""
    from pathlib import Path

    from simulator.upstream_http import serve as run

    settings = get_settings()
    source = Path(data_dir) if data_dir else settings.sources_dir
    console.print(f"upstreams on http://{host}:{port} (token from COMMUNITY_API_TOKEN) serving {source}")
    run(source, host=host, port=port, token=settings.community_api_token, rate_limit_per_s=rate_limit,
        error_rate=error_rate, seed=seed)


@app.command()
def ingest(
    source: Annotated[str | None, typer.Argument(help="source name, e.g. minyi")] = None,
    all_sources: Annotated[bool, typer.Option("--all", help="every registered source")] = False,
    rerun: Annotated[str | None, typer.Option(help="replay this batch id from landing (needs --entity)")] = None,
    entity: Annotated[str | None, typer.Option(help="entity of the batch to replay")] = None,
    day: Annotated[datetime | None, typer.Option(help="ingest up to the end of this day (YYYY-MM-DD)")] = None,
    from_day: Annotated[datetime | None, typer.Option("--from", help="with --day: one run per day from here")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Extract new rows incrementally → landing → pandera → bronze / quarantine, with a manifest per batch.

    Without --day: everything new up to now. --day D: up to the end of D. --from A --day B: day by day, A to B.
    """
    from ingestion.batches import BatchRejected, SourceUnavailable
    from ingestion.pipeline import replay
    from ingestion.runs import RunError, day_ends, ingest_sources, summarise
    from ingestion.sources import SOURCES

    settings = get_settings()
    try:
        if rerun:
            if not (source and entity):
                raise _fail("--rerun needs SOURCE and --entity")
            results = [replay(settings, source, entity, rerun)]
        else:
            status = console.status("ingesting …")
            with status:
                results = ingest_sources(
                    settings, list(SOURCES) if all_sources else [source] if source else [], day_ends(day, from_day),
                    skip_unavailable=all_sources,
                    on_start=lambda name, until: status.update(
                        f"ingesting {name}" + (f" up to {until:%Y-%m-%d}" if until else "") + " …"),
                    on_skip=lambda exc: console.print(f"[yellow]skipped[/yellow] {exc}"))
    except (RunError, SourceUnavailable, BatchRejected) as exc:
        raise _fail(str(exc)) from exc
    if as_json:
        print(json.dumps([r.as_dict() for r in results], ensure_ascii=False, indent=1))
        return
    table = Table("source", "entity", "batches", "received", "bronze", "quarantined", "rejections by rule",
                  "repaired (kept)")
    for line in summarise(results):
        table.add_row(line.source, line.entity, str(line.batches) if line.batches else "skipped (nothing new)",
                      f"{line.received:,}", f"{line.bronze:,}", f"{line.quarantined:,}",
                      ", ".join(f"{k}={v}" for k, v in line.rules.items()),
                      ", ".join(f"{k}={v}" for k, v in line.field_rules.items()))
    _out().print(table)


@app.command()
def compact(
    source: Annotated[str | None, typer.Argument(help="one source; default all")] = None,
    min_files: Annotated[int, typer.Option(help="compact a month once it has this many files")] = 2,
) -> None:
    """Merge bronze's small batch files into one file per entity and month (a writer step, like transform)."""
    from common.lake import open_lake
    from ingestion.compaction import compact as run

    done = run(open_lake(get_settings()), source, min_files)
    for c in done:
        console.print(f"{c.source}.{c.entity} {c.month}: {c.files_before} files → 1 ({c.rows:,} rows)")
    console.print(f"compacted {len(done)} month(s)")


@app.command()
def quality(
    source: Annotated[str | None, typer.Argument(help="one source; default all")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Per source and entity: rows received / in bronze / quarantined, and the rejections by rule."""
    from common.lake import open_lake
    from quality.report import quality_report

    report = quality_report(open_lake(get_settings()), source)
    if as_json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
        return
    table = Table("source", "entity", "batches", "received", "bronze", "quarantined", "rate", "reconciled",
                  "rejections by rule", "repaired (kept)", title="govlake quality")
    for r in report:
        table.add_row(r["source"], r["entity"], str(r["batches"]), f"{r['received']:,}", f"{r['bronze']:,}",
                      f"{r['quarantined']:,}", f"{r['rejection_rate']:.2%}", "yes" if r["reconciled"] else "NO",
                      ", ".join(f"{k}={v}" for k, v in r["rejections_by_rule"].items()),
                      ", ".join(f"{k}={v}" for k, v in r["repairs_by_rule"].items()))
    _out().print(table)


@app.command()
def transform(
    select: Annotated[str | None, typer.Option(help="dbt node selection (builds just these)")] = None,
    full_refresh: Annotated[bool, typer.Option(help="rebuild every model, incremental ones from scratch")] = False,
    unit_tests: Annotated[bool, typer.Option(help="run dbt's unit tests (model logic on fixed inputs) only")] = False,
    parse: Annotated[bool, typer.Option(help="only parse the dbt project, from scratch (what a code change costs)")]
    = False,
) -> None:
    """dbt build (seeds, models, data tests) into the working warehouse: everything on the first run, afterwards only
    what new batches touch."""
    import transform as t

    if parse:
        if not t.run_dbt(get_settings(), ["parse", "--no-partial-parse"]):
            raise _fail("dbt parse failed")
        return
    if unit_tests:
        if not t.unit_tests(get_settings()):
            raise _fail("dbt unit tests failed")
        return
    if not t.transform(get_settings(), select, full_refresh):
        raise _fail("dbt build failed; nothing was published (the previous snapshot is still served)")


@app.command()
def freshness() -> None:
    """How recently each bronze table was loaded (dbt source freshness; warns after 26 hours)."""
    from transform import source_freshness

    if not source_freshness(get_settings()):
        raise _fail("source freshness check failed (see above)")


@app.command()
def publish(
    list_: Annotated[bool, typer.Option("--list", help="list the published snapshots kept (time travel)")] = False,
    catalog_too: Annotated[bool, typer.Option("--catalog/--no-catalog", help="then generate the data dictionary "
                                              "(dbt docs, served at /catalog), timed apart from the publish")] = True,
) -> None:
    """Publish the last successful build into the served marts (one DuckLake snapshot, only the changed marts), then
    generate the data dictionary (数据字典) the API serves at /catalog."""
    from serving.publish import PublishError, snapshots
    from serving.publish import publish as run

    if list_:
        table = Table("snapshot", "published at (UTC)", "tables changed", title="published snapshots")
        for s in snapshots(get_settings()):
            table.add_row(str(s["snapshot"]), str(s["published_at"])[:19], ", ".join(s.get("changed", [])) or "—")
        _out().print(table)
        return
    if get_settings().publish_nice:
        os.nice(get_settings().publish_nice)  # before DuckDB starts its threads: they inherit it
    try:
        result = run(get_settings())
    except PublishError as exc:
        raise _fail(str(exc)) from exc
    if result.snapshot is None:
        console.print(f"nothing changed since the last publish ({result.seconds:.2f}s): the served snapshot stays")
    else:
        console.print(f"published snapshot {result.snapshot} ({result.seconds:.2f}s): {len(result.changed)} of "
                      f"{len(result.tables)} tables changed ({', '.join(result.changed)})"
                      + (f"; patched by their changed rows: {', '.join(result.patched)}" if result.patched else "")
                      + (f", dropped {', '.join(result.dropped)}" if result.dropped else "")
                      + (f"; {result.expired} snapshot(s) expired" if result.expired else ""))
    if catalog_too:
        # the publish is done (and timed) above; a failure here leaves the served marts and the old catalog as they
        # were, so it is a warning, not the publish's failure (`govlake catalog` retries it alone)
        _data_dictionary(fail=False)


def _data_dictionary(fail: bool, force: bool = False) -> None:
    from serving import data_dictionary
    from serving.reader import Reader, ServingError

    settings = get_settings()
    reader = Reader(settings)
    try:
        kept = reader.snapshots()
    except ServingError:
        kept = []
    finally:
        reader.close()
    snapshot = kept[-1].id if kept else None
    if not force and data_dictionary.is_current(settings, snapshot):
        console.print(f"data dictionary (/catalog): up to date for snapshot {snapshot}")
        return
    try:
        made = data_dictionary.generate(settings, snapshot)
    except data_dictionary.DataDictionaryError as exc:
        if fail:
            raise _fail(str(exc)) from exc
        console.print(f"[yellow]warning: the data dictionary was not regenerated; /catalog still serves the previous "
                     f"one ({exc})[/yellow]")
        return
    console.print(f"data dictionary (/catalog) for snapshot {snapshot}: generated in {made.seconds:.2f}s "
                  f"(dbt docs generate {made.dbt_seconds:.2f}s), {made.bytes / 1e6:.1f} MB, "
                  f"{made.gzip_bytes / 1e6:.1f} MB gzipped")


@app.command()
def catalog(
    force: Annotated[bool, typer.Option(help="regenerate even when up to date with the snapshot and the build")]
    = False,
) -> None:
    """Generate the data dictionary (数据字典) the API serves at /catalog: dbt's docs (lineage, the marts' 中文 column
    docs, tests) of the last build, for the published snapshot. `govlake publish` runs it after every publish."""
    _data_dictionary(fail=True, force=force)


@app.command()
def serve(
    what: Annotated[str, typer.Argument(help="api | superset | airflow | all")] = "all",
    background: Annotated[bool, typer.Option(help="start in the background and return")] = True,
) -> None:
    """Start the marts API and/or Superset on the published snapshot."""
    from govlake import services
    from superset_assets import lifecycle as superset

    settings = get_settings()
    if what not in ("api", "superset", "airflow", "all"):
        raise _fail("serve api | superset | airflow | all")
    if what == "airflow":
        from govlake.orchestrate import serve_airflow

        serve_airflow(settings, console.print)
        return
    if what == "api" and not background:
        import uvicorn

        uvicorn.run("services.api.main:app", host=settings.api_host, port=settings.api_port,
                    workers=os.cpu_count() or 1)  # one per core: DuckDB reads in each, no shared GIL
        return
    if what in ("api", "all"):
        console.print(f"marts API: {services.start_api(settings)}/docs")
    if what in ("superset", "all"):
        with console.status("starting Superset (first run initialises its metadata, ~1–2 min) …"):
            superset.init(settings)
            url = superset.start(settings)
        console.print(f"Superset: {url}  (login {settings.superset_admin_user} / {settings.superset_admin_password})")
        console.print(f"dashboard: {superset.dashboard_url(settings)}")
        console.print(superset.demo_users_text(settings))


@app.command()
def stop() -> None:
    """Stop everything `govlake serve` started."""
    from govlake import services
    from superset_assets import lifecycle as superset

    settings = get_settings()
    from govlake.airflow_services import stop_all as stop_airflow

    stops = (("api", services.stop_api), ("superset", superset.stop), ("upstream", services.stop_upstream),
             ("airflow", stop_airflow))
    stopped = [name for name, stop_one in stops if stop_one(settings)]
    console.print(f"stopped: {', '.join(stopped) or 'nothing was running'}")


@app.command()
def demo(
    scale: Annotated[float, typer.Option(help="simulator scale")] = 0.01,
    serve_too: Annotated[bool, typer.Option("--serve/--no-serve", help="start the API and Superset")] = True,
    airflow: Annotated[bool, typer.Option("--airflow/--no-airflow", help="start Airflow too (its UI, the DAGs "
                                                                       "paused)")] = True,
) -> None:
    """The main job on the embedded default: simulate → ingest → transform → publish, then serve."""
    from govlake import services
    from govlake.pipeline import Step, pipeline, run_pipeline

    settings = get_settings()

    def run(step: Step) -> None:
        if step.needs_upstream:
            # the community is a REST source: its simulated upstream must answer while we ingest (stopped by
            # `make stop`); a fresh one, since it caches what it serves
            services.stop_upstream(settings)
            console.print(f"simulated upstreams: {services.start_upstream(settings)}")
        code = app(list(step.args), standalone_mode=False)  # returns a failed step's exit code rather than exiting
        if isinstance(code, int) and code != 0:
            raise typer.Exit(code)

    run_pipeline(pipeline(scale), run)
    if serve_too:
        serve(what="all", background=True)
        if airflow:
            from govlake.orchestrate import serve_airflow

            with console.status("starting Airflow (first run migrates its metadata, ~1 min) …"):
                serve_airflow(settings, console.print)
        print_demo_key(services.api_url(settings))
        console.print("[green]govlake demo is up.[/green] `make stop` stops it.")


def _stage_seconds(report: dict[str, Any], stage: str, figure: str = "seconds") -> float | None:
    return next((s.get(figure) for s in report["stages"] if s["stage"] == stage), None)


@app.command()
def bench(
    scale: Annotated[float, typer.Option(help="simulator scale for the run")] = 0.1,
    only: Annotated[list[str] | None, typer.Option(help="run only these stages, in order (repeatable)")] = None,
    servers: Annotated[bool, typer.Option(help="also time the API under load, the dashboards in Chromium "
                                               "and Airflow (--no-servers: the pipeline stages only)")] = True,
    out: Annotated[str | None, typer.Option(help="also write the JSON here")] = None,
) -> None:
    """Time each stage of the pipeline (rows/s, seconds, peak memory) on a fresh data dir; print a table and JSON."""
    from govlake.bench import STAGES, run_bench

    unknown = [s for s in only or [] if s not in STAGES]
    if unknown:
        raise _fail(f"unknown stage(s) {', '.join(unknown)}; stages: {', '.join(STAGES)}")
    report = run_bench(scale, only, servers)
    table = Table("stage", "rows", "seconds", "rows/s", "peak RSS MiB", "target (scale 1.0)", "verdict",
                  title=f"govlake bench (scale {scale})")
    for s in report["stages"]:
        table.add_row(s["stage"], f"{s['rows']:,}", f"{s['seconds']:.2f}",
                      f"{s['rows_per_s']:,.0f}" if s["rows_per_s"] else "–", f"{s['peak_rss_mib']:.0f}",
                      s.get("target", ""), s.get("verdict", ""))
    _out().print(table)
    for name, ratio in report["ratios"].items():
        _out().print(f"{name}: {ratio:.1%} of the time")
    if report["source_change_to_servable_seconds"] is not None:
        _out().print(f"source change to servable (ingest + transform + publish of a day): "
                     f"{report['source_change_to_servable_seconds']:.2f} s; a small filtered read: "
                     f"{report['read_latency']}")
    if (floor := report.get("publish_floor")) and (cold := _stage_seconds(report, "publish", "in_process_seconds")):
        _out().print(f"publish floor (DuckLake alone: {floor['tables']} one-row tables rewritten in one commit, as "
                     f"many as the daily publish changed): {floor['seconds']:.2f} s, {floor['seconds'] / cold:.1%} of "
                     f"the cold publish in its process")
    if report["superset_dashboards"]:
        from govlake.bench_superset import print_report

        print_report(report["superset_dashboards"], _out())
    if api := report.get("api_load"):
        _out().print(f"marts API under load: {api['rate_per_s']} req/s for {api['seconds']} s, p50 {api['p50_ms']} ms, "
                     f"p99 {api['p99_ms']} ms, {api['errors']} errors; new snapshot first served "
                     f"{api.get('new_snapshot_first_served_s')} s after the publish's commit (that publish took "
                     f"{api.get('publish_seconds')} s under the load, {api.get('publish_in_process_seconds')} s "
                     f"in its process)")
        for window, figures in api.get("by_window", {}).items():
            _out().print(f"  {window}: {figures['requests']} requests, p50 {figures['p50_ms']} ms, "
                         f"p99 {figures['p99_ms']} ms")
        for w in api.get("warm_up_by_worker", []):
            _out().print(f"  worker {w.get('worker')}: saw the commit after {w.get('seen_s_after_commit')} s, served "
                         f"the new snapshot {w.get('switched_s_after_commit')} s after it; carried {w.get('carried')} "
                         f"answers in {w.get('carry_seconds')} s, copied {w.get('tables')} tables, "
                         f"replayed {w.get('queries')} queries")
        if warm := api.get("warm_up_pass"):
            _out().print(f"  (untimed warm-up before the run, each distinct request {warm.get('times_each')} times: "
                         f"{warm['requests']} requests, p99 {warm['p99_ms']} ms, max {warm['max_ms']} ms)")
    kpi = report["kpi_reconciliation"]
    if kpi and "indicators" in kpi:
        n = kpi["indicators"]
        _out().print(f"kpi mart, 2024, district: {kpi['match_ground_truth']}/{n} equal the ground truth, "
                     f"{kpi['within_seed_tolerance']}/{n} within the seed document's tolerance")
    text = json.dumps(report, ensure_ascii=False, indent=1)
    print(text)
    if out:
        with open(out, "w", encoding="utf-8") as fh:
            fh.write(text)


@app.command()
def orchestrate(
    days: Annotated[int, typer.Option(help="simulated days to run, ending with --last-day")] = 3,
    last_day: Annotated[datetime, typer.Option(help="the last simulated day")] = datetime(2024, 12, 31),
    scale: Annotated[float, typer.Option(help="simulator scale")] = 0.01,
    seed: Annotated[int, typer.Option(help="simulator seed")] = 42,
    executor: Annotated[str, typer.Option(help="LocalExecutor | CeleryExecutor (Redis, needs PostgreSQL)")]
    = "LocalExecutor",
    backfill: Annotated[bool, typer.Option(help="simulate through the last day once, then `airflow backfill create` "
                                                "every ingest DAG over the days (instead of one day after another)")]
    = False,
) -> None:
    """Real Airflow services run every DAG through simulated days; exits 1 unless every DAG run succeeded."""
    from govlake.orchestrate import run_cli

    if not run_cli(get_settings(), days, last_day.date(), scale, seed, executor, console.print, _out(),
                   backfill=backfill):
        raise typer.Exit(1)


@app.command()
def kpi(
    period: Annotated[str, typer.Option(help="a year (2024) or a month (2024-03)")],
    area: Annotated[str, typer.Option(help="district, street or community code")] = "440309",
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of a table")] = False,
    reconcile: Annotated[bool, typer.Option(help="compare the district values with the simulator's ground truth "
                                                 "and the seed document; exit 1 on a mismatch")] = False,
    as_of: Annotated[str | None, typer.Option(help="as published then: a day, a timestamp or a snapshot id")] = None,
) -> None:
    """The indicator table of the published snapshot: every catalogue indicator for one period and area."""
    from govlake.kpi import KpiError, indicators, unavailable

    if reconcile:
        _kpi_reconcile(period, as_json)
        return
    try:
        rows = indicators(get_settings(), period, area, as_of)
        missing = unavailable(get_settings(), as_of)
    except KpiError as exc:
        raise _fail(str(exc)) from exc
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    area_name = next((r["area_name"] for r in rows if r["area_name"]), area)
    table = Table(title=f"{area_name} · {period} 指标")
    for column in ("指标编码", "指标", "值", "单位", "分子", "分母", "目标"):
        table.add_column(column, justify="right" if column in ("值", "分子", "分母", "目标") else "left")
    for r in rows:
        table.add_row(r["indicator_code"], r["indicator_name"], _number(r["value"]), r["unit"],
                      _number(r["numerator"]), _number(r["denominator"]), _number(r["target"]))
    _out().print(table)
    if missing:
        _out().print(f"{len(missing)} 项指标暂不可用 (unavailable):")
        for m in missing:
            _out().print(f"  {m['indicator_code']} {m['indicator_name']}：{m['reason']}")


def _kpi_reconcile(period: str, as_json: bool) -> None:
    from govlake.kpi import KpiError, indicators
    from simulator.reconcile import mismatches, reconcile_rows
    from simulator.run import TRUTH_FILE

    settings = get_settings()
    try:
        rows = reconcile_rows(settings.sources_dir / TRUTH_FILE, indicators(settings, period))
    except (KpiError, FileNotFoundError) as exc:
        raise _fail(str(exc)) from exc
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
    else:
        table = Table("指标编码", "指标", "指标表", "模拟真值", "种子文档", "= 真值", "种子容差内",
                      title=f"指标核对 · {period}")
        for r in rows:
            table.add_row(r["code"], r["name"], _number(r["value"]), _number(r["truth"]), _number(r["seed"]),
                          "✓" if r["matches_truth"] else "✗", "✓" if r["within_seed_tolerance"] else "✗")
        _out().print(table)
    bad = mismatches(rows)
    if bad:
        raise _fail(f"{len(bad)} indicator(s) do not reconcile: {', '.join(bad)}")


def _number(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


@app.command()
def sql(
    query: Annotated[str | None, typer.Argument(help="SQL to run; omit for an interactive shell")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table | csv | json")] = "table",
    as_of: Annotated[str | None, typer.Option(help="read the marts as published then: a day (2024-06-30, UTC), "
                                                   "a timestamp or a snapshot id")] = None,
) -> None:
    """Analysts: query the served marts, read-only (writes are refused by DuckDB itself)."""
    from govlake.sql_shell import run_query, shell
    from serving.reader import catalog_exists

    settings = get_settings()
    if not catalog_exists(settings):
        raise _fail("nothing published yet: run `govlake demo` or `govlake publish`")
    if query is None:
        shell(settings, as_of)
        return
    try:
        run_query(settings, query, fmt, as_of)
    except Exception as exc:  # duckdb errors are the analyst's to read, not a traceback
        raise _fail(str(exc)) from exc


def main() -> None:
    app()


if __name__ == "__main__":
    sys.exit(main())
