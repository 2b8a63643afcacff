with

ledger_files as (
    select
        parse_filename(filename, true) as ledger,
        string_split(content, chr(10)) as lines
    from {{ source('platform_meta', 'alert_ledgers') }}
),

lines as (
    select
        ledger,
        unnest(lines) as line,
        generate_subscripts(lines, 1) as line_number
    from ledger_files
),

records as (
    -- an empty or half-written last line is not JSON: skipped until it is complete
    select
        ledger,
        line_number,
        cast(line as json) as alert
    from lines
    where json_valid(line)
),

typed as (
    select
        ledger || ':' || line_number as alert_id,
        ledger,
        line_number,
        -- the ledger records UTC (ISO 8601, +00:00); Beijing wall-clock as every time in the marts
        try_cast(left(alert ->> 'recorded_at', 19) as timestamp) + interval 8 hour as recorded_at,
        alert ->> 'kind' as kind,
        alert ->> 'dag_id' as dag_id,
        alert ->> 'task_id' as task_id,
        alert ->> 'run_id' as run_id,
        -- the source named by the alert, else the one an ingest DAG is for
        coalesce(
            alert ->> 'source',
            case when (alert ->> 'dag_id') like 'ingest\_%' escape '\' then substr(alert ->> 'dag_id', 8) end
        ) as source_system,
        alert ->> 'message' as message
    from records
)

select * from typed
