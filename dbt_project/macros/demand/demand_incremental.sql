{#- Incremental staging of big, append-mostly bronze entities (tickets, flows, ratings).

    demand_new_bronze: a `where` clause for committed_bronze(): on an incremental run only rows ingested after the
    table's watermark. The watermark is a literal, not a subquery, so that DuckDB prunes Parquet files and row
    groups by their _ingested_at statistics: a daily run reads the day's batch, not the year. -#}
{% macro demand_new_bronze(watermark_column='ingested_at') -%}
    {%- if is_incremental() and execute -%}
        {%- set watermark = run_query(
            'select max(' ~ watermark_column ~ ')::varchar from ' ~ this
        ).columns[0].values()[0] -%}
        {%- if watermark is not none %}
    where bronze._ingested_at > '{{ watermark }}'::timestamp
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- demand_keep_latest: the latest version per KEY among the new rows (cte NEW_ROWS) and, on an incremental run,
    the rows already kept for the same keys: a resent older version never replaces a newer one, so an incremental
    run keeps exactly what a full refresh keeps. Most keys come once: only the keys seen more than once go through
    the window (a hash count of the keys is cheaper than sorting millions of rows with their payload). -#}
{% macro demand_keep_latest(new_rows, key, order_by) -%}
    with candidates as (
        select * from {{ new_rows }}
        {%- if is_incremental() %}
        union all by name
        select kept.*
        from {{ this }} as kept
        semi join {{ new_rows }} on kept.{{ key }} = {{ new_rows }}.{{ key }}
        {%- endif %}
    ),

    repeated as (
        select {{ key }}
        from candidates
        group by {{ key }}
        having count(*) > 1
    )

    select candidates.*
    from candidates
    anti join repeated on candidates.{{ key }} = repeated.{{ key }}
    union all
    select *
    from (
        select candidates.*
        from candidates
        semi join repeated on candidates.{{ key }} = repeated.{{ key }}
    )
    {{ latest_by(key, order_by) }}
{%- endmacro %}
