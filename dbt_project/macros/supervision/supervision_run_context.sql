{#- The current dbt invocation id, as an SQL literal, for run logs (fct_supervision_model_runs; the run's start is
    build_started_at). The guard only serves tools that render the SQL outside dbt (sqlfluff), where dbt's context
    variables do not exist. -#}
{% macro supervision_run_id() -%}
    {%- if invocation_id is defined -%}'{{ invocation_id }}'{%- else -%}'00000000-0000-0000-0000-000000000000'{%- endif -%}
{%- endmacro %}
