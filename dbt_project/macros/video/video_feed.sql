{#- The first status-feed day an incremental run of the current model must (re)build, as an ISO date string, or none
    when nothing changed. A day is rebuilt when a committed feed batch of it is not yet in the model (`batch_id`
    column). With watch_ledgers, a ledger month committed after the newest feed batch the model holds
    (`ingested_at` column) is rebuilt too: the model attributes camera-days to the latest ledger, which lists the
    cameras installed that month only at its end — so a daily run costs one day, and a month-end ledger its month. -#}
{% macro video_feed_rebuild_from(watch_ledgers=false) -%}
    {%- if not execute -%}{{ return(none) }}{%- endif -%}
    {%- set sql -%}
        with

        manifests as (
            select
                batch_id,
                entity,
                cast(high as date) as high_day,
                cast(received_at as timestamp) as received_at
            from {{ source('lake_meta', 'batch_manifests') }}
            where source = 'video' and status = 'committed'
        ),

        built as (
            select distinct batch_id from {{ this }}
        ),

        new_days as (
            select min(high_day) as from_day
            from manifests
            where entity = 'camera_status' and batch_id not in (select built.batch_id from built)
        ),

        new_ledgers as (
            select min(date_trunc('month', high_day))::date as from_day
            from manifests
            where
                {{ 'true' if watch_ledgers else 'false' }}
                and entity = 'camera_ledgers'
                and received_at > {{ last_run_watermark('ingested_at') }}
        )

        select strftime(least(new_days.from_day, new_ledgers.from_day), '%Y-%m-%d') as from_day
        from new_days, new_ledgers
    {%- endset -%}
    {%- set from_day = run_query(sql).columns[0].values()[0] -%}
    {{ log("video: " ~ this.identifier ~ " rebuilds feed days from " ~ (from_day or "nothing (up to date)"), info=true) }}
    {{ return(from_day) }}
{%- endmacro %}

{#- The feed-day predicate of an incremental run (constant, so the lake's day partitions are pruned). -#}
{% macro video_feed_day_filter(watch_ledgers=false) -%}
    {%- if is_incremental() -%}
        {%- set from_day = video_feed_rebuild_from(watch_ledgers) -%}
        {%- if from_day -%}
            batch_date >= date '{{ from_day }}' and stat_date >= date '{{ from_day }}'
        {%- else -%}
            false
        {%- endif -%}
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#- Predicate keeping, for each status-feed day committed more than once, only its latest batch; `true` when no day
    was redelivered. Read from the manifests at compile time so the 20M-row feed needs no dedup join. -#}
{% macro video_latest_feed_batches() -%}
    {%- if not execute -%}{{ return('true') }}{%- endif -%}
    {%- set sql -%}
        select
            strftime(cast(high as date), '%Y-%m-%d') as feed_day,
            arg_max(batch_id, cast(received_at as timestamp)) as latest_batch_id
        from {{ source('lake_meta', 'batch_manifests') }}
        where source = 'video' and entity = 'camera_status' and status = 'committed'
        group by cast(high as date)
        having count(*) > 1
        order by feed_day
    {%- endset -%}
    {%- set redelivered = run_query(sql).rows -%}
    {%- if redelivered | length == 0 -%}
        true
    {%- else -%}
        {%- for row in redelivered %}
        (batch_date <> date '{{ row[0] }}' or _batch_id = '{{ row[1] }}'){{ ' and' if not loop.last }}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
