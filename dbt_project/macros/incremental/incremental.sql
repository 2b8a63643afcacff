{#- The incremental toolkit: how a model finds what arrived since its last run. Three pieces, one idiom each:

    - last_run_watermark(column): the latest value of COLUMN in the model's own table ('-infinity' when empty), a
      scalar subquery;
    - arrived_since_last_run(column, watermark_column, inclusive, lookback): the predicate "COLUMN is past the
      watermark" on an incremental run (`true` on a full build), comparing COLUMN with last_run_watermark of
      WATERMARK_COLUMN (default: the same name); INCLUSIVE re-takes the last batch (>=), LOOKBACK (an interval
      literal, e.g. '1 hour') reaches back further, for batches committed while the last run was reading;
    - the strategy replace_periods (below), for aggregates that recompute whole periods.

    Staging tables over Parquet use new_bronze() (macros/staging/bronze.sql) instead: a literal watermark lets
    DuckDB prune files by their statistics, a subquery does not. -#}
{% macro last_run_watermark(column) -%}
    (select coalesce(max({{ column }}), '-infinity'::timestamp) from {{ this }})
{%- endmacro %}

{% macro arrived_since_last_run(column, watermark_column=none, inclusive=false, lookback=none) -%}
    {%- if is_incremental() -%}
        {{ column }} {{ '>=' if inclusive else '>' }} {{ last_run_watermark(watermark_column or column.split('.')[-1]) }}
        {%- if lookback %} - interval '{{ lookback }}'{% endif %}
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#- Incremental strategy replace_periods: recompute every period from the first changed one on, and write only the
    rows that changed. `unique_key` names the period column; the model names the macro that gives its first
    recomputed period, as a SQL date literal or none for all, in its config `replace_periods_since` (the same macro
    scopes the model's own query). Of the target's rows in those periods, those the recomputation no longer has as
    they are are deleted (unlike delete+insert, this also clears a row whose group no longer exists), and only the
    recomputed rows the target lacks are inserted. The build stamp (`built_at`) is left out of the comparison: a row
    that came out the same keeps the stamp of the run that wrote it, so the tests of a daily build and the publisher
    take only what changed (at scale 1.0 a day recomputes ~29k daily rows, of which ~3k differ). -#}
{% macro get_incremental_replace_periods_sql(arg_dict) -%}
    {%- set period_column = arg_dict['unique_key'] -%}
    {%- set since_macro = config.get('replace_periods_since') -%}
    {%- if not since_macro -%}
        {{ exceptions.raise_compiler_error("replace_periods needs the model's config replace_periods_since") }}
    {%- endif -%}
    {%- set since = context[since_macro](period_column) -%}
    {%- set names = arg_dict['dest_columns'] | map(attribute='name') | list -%}
    {%- set columns = get_quoted_csv(names) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set recomputed = arg_dict['temp_relation'] -%}
    {%- set same_row = [] -%}
    {%- for c in names if c != 'built_at' -%}
        {%- do same_row.append('new."' ~ c ~ '" is not distinct from old."' ~ c ~ '"') -%}
    {%- endfor -%}
    {%- set in_periods = ('old.' ~ period_column ~ ' >= ' ~ since) if since is not none else 'true' -%}
    delete from {{ target }} as old
    where {{ in_periods }} and not exists (select 1 from {{ recomputed }} as new where {{ same_row | join(' and ') }});
    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ recomputed }} as new
    where not exists (select 1 from {{ target }} as old where {{ in_periods }} and {{ same_row | join(' and ') }})
{%- endmacro %}
