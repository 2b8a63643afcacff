{#- The current dbt invocation, as SQL literals, for run logs (fct_supervision_model_runs). The guards only serve
    tools that render the SQL outside dbt (sqlfluff), where dbt's context variables do not exist. -#}
{% macro supervision_run_id() -%}
    {%- if invocation_id is defined -%}'{{ invocation_id }}'{%- else -%}'00000000-0000-0000-0000-000000000000'{%- endif -%}
{%- endmacro %}

{% macro supervision_run_started_at() -%}
    {%- if run_started_at is defined -%}
        '{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}'
    {%- else -%}
        '1970-01-01 00:00:00'
    {%- endif -%}
{%- endmacro %}
