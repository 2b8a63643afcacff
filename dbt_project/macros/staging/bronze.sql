{#- Rows of a bronze entity that belong to committed batches only: a batch is visible once its manifest says so,
    so a crash mid-batch never shows half a batch. Only this entity's manifests are read (the lake keeps one folder
    per source and entity): globbing every manifest of the lake in every staging view cost a read of thousands of
    small JSON files per model and per test. -#}
{% macro committed_bronze(source_name, entity) -%}
    {%- set system = source_name | replace("bronze_", "") -%}
    {%- set all_manifests = source('lake_meta', 'batch_manifests') | string -%}
    {%- set manifests = all_manifests.replace('/_manifests/*/*/*.json', '/_manifests/' ~ system ~ '/' ~ entity ~ '/*.json') -%}
    select bronze.*
    from {{ source(source_name, entity) }} as bronze
    semi join {{ manifests }} as manifests
        on bronze._batch_id = manifests.batch_id
        and manifests.source = '{{ system }}'
        and manifests.entity = '{{ entity }}'
        and manifests.status = 'committed'
{%- endmacro %}

{#- Keep the latest version of each row: sources resend rows as they change (and the overlap window resends a few). -#}
{% macro latest_by(key, order_by) -%}
    qualify row_number() over (partition by {{ key }} order by {{ order_by }}) = 1
{%- endmacro %}

{#- new_bronze: for the incremental staging of big, append-mostly bronze entities (tickets, flows, ratings, dossier
    messages), a `where` clause for committed_bronze(): on an incremental run only rows ingested after the table's
    watermark. The watermark is a literal, not a subquery, so that DuckDB prunes Parquet files and row
    groups by their _ingested_at statistics: a daily run reads the day's batch, not the year. -#}
{% macro new_bronze(watermark_column='ingested_at') -%}
    {%- if is_incremental() and execute -%}
        {%- set watermark = run_query(
            'select max(' ~ watermark_column ~ ')::varchar from ' ~ this
        ).columns[0].values()[0] -%}
        {%- if watermark is not none %}
    where bronze._ingested_at > '{{ watermark }}'::timestamp
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
