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

{#- Incremental strategy replace_periods: delete the target's rows from the first recomputed period on and insert
    the recomputed ones (unlike delete+insert it also clears a period that no longer has any row). `unique_key`
    names the period column; the model names the macro that gives its first recomputed period, as a SQL date
    literal or none for all, in its config `replace_periods_since` (the same macro scopes the model's own query). -#}
{% macro get_incremental_replace_periods_sql(arg_dict) -%}
    {%- set period_column = arg_dict['unique_key'] -%}
    {%- set since_macro = config.get('replace_periods_since') -%}
    {%- if not since_macro -%}
        {{ exceptions.raise_compiler_error("replace_periods needs the model's config replace_periods_since") }}
    {%- endif -%}
    {%- set since = context[since_macro](period_column) -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ arg_dict['target_relation'] }}
    {%- if since is not none %}
    where {{ period_column }} >= {{ since }}
    {%- endif %};
    insert into {{ arg_dict['target_relation'] }} ({{ columns }})
    select {{ columns }} from {{ arg_dict['temp_relation'] }}
{%- endmacro %}
