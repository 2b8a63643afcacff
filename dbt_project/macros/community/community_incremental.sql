{#- Incremental marts over append-mostly community statistics recompute only the groups that new rows touch.
    Rows ingested since the last run (less a small lookback, so a batch committed while the previous run was
    reading is not missed) name the groups; re-aggregating a whole group from staging is idempotent, so a
    full refresh and any sequence of incremental runs give the same table. On a full refresh every row is new. -#}
{#- The CTEs `changed` (the month × GROUP_KEY pairs that rows ingested since the last run touch) and `scoped` (every
    row of ROWS in those pairs, with its month): what a monthly incremental mart re-aggregates. -#}
{% macro community_touched_months(rows, group_key, date_column='stat_date') -%}
changed as (
    select distinct
        date_trunc('month', {{ date_column }})::date as month,
        {{ group_key }}
    from {{ rows }}
    where {{ arrived_since_last_run('ingested_at', 'last_ingested_at', inclusive=true, lookback='1 hour') }}
),

scoped as (
    select
        {{ rows }}.*,
        date_trunc('month', {{ rows }}.{{ date_column }})::date as month
    from {{ rows }}
    semi join changed
        on
            date_trunc('month', {{ rows }}.{{ date_column }})::date = changed.month
            and {{ rows }}.{{ group_key }} = changed.{{ group_key }}
)
{%- endmacro %}
