{#- Incremental marts over append-mostly workbench statistics recompute only the groups that new rows touch.
    Rows ingested since the last run (less a small lookback, so a batch committed while the previous run was
    reading is not missed) name the groups; re-aggregating a whole group from staging is idempotent, so a
    full refresh and any sequence of incremental runs give the same table. On a full refresh every row is new. -#}
{% macro community_ingested_since_last_run(column, watermark='last_ingested_at', lookback='1 hour') -%}
    {%- if is_incremental() -%}
    {{ column }} >= (
        select coalesce(max({{ watermark }}), '-infinity'::timestamp) - interval '{{ lookback }}'
        from {{ this }}
    )
    {%- else -%}
    true
    {%- endif -%}
{%- endmacro %}
