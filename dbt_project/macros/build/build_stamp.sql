{#- Rows a build wrote. The big incremental tables stamp each row they write with the start of the dbt run
    (`built_at`), so that a daily build can test the rows it wrote instead of re-scanning millions that an earlier
    build wrote and tested. -#}

{#- The start of this dbt run (UTC), one value for the whole run: the `built_at` of the rows it writes, and the
    run time in run logs. The guard only serves tools that render the SQL outside dbt (sqlfluff), where dbt's context
    variables do not exist. -#}
{% macro build_started_at() -%}
    {%- if run_started_at is defined -%}
        '{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}'::timestamp
    {%- else -%}
        '1970-01-01 00:00:00'::timestamp
    {%- endif -%}
{%- endmacro %}

{#- Whether a test of a model stamped by BUILT_AT (a column name, or none) checks only the rows this run wrote: in a
    `dbt build` that is not a full refresh (a daily build), a model's tests run right after the model, so its rows
    stamped with this run's start are exactly what the run wrote. A full build writes every row, and a `dbt test`
    alone writes none: both test everything. -#}
{% macro tests_rows_built_this_run(built_at) -%}
    {{ return(built_at is not none and flags.WHICH == 'build' and not flags.FULL_REFRESH) }}
{%- endmacro %}
