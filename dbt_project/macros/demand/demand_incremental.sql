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
