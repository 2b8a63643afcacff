{#- Whether every model an area's KPI view reads (NAMES) is built in the warehouse. A source without data leaves its
    models unbuilt (transform skips them, docs/dbt.md), while the indicator table is always built: an area's KPI view
    then yields no rows (kpi_no_rows), and fct_indicator_availability lists its indicators as unavailable with the
    missing source. At parse time every input counts as built, so the refs stay in the graph. -#}
{% macro kpi_inputs_built(names) -%}
    {%- if not execute -%}
        {{ return(true) }}
    {%- endif -%}
    {%- for name in names -%}
        {%- if adapter.get_relation(database=target.database, schema=target.schema, identifier=name) is none -%}
            {{ log("kpi: " ~ this.identifier ~ " has no rows, " ~ name ~ " is not built", info=true) }}
            {{ return(false) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(true) }}
{%- endmacro %}

{#- The KPI contract with no rows, for an area whose inputs are not built. -#}
{% macro kpi_no_rows() -%}
    select
        null::varchar as indicator_code,
        null::varchar as period,
        null::varchar as area_code,
        null::double as value,
        null::double as numerator,
        null::double as denominator
    where false
{%- endmacro %}

{#- REF(NAME) when that model is built, else an empty relation with COLUMNS (name -> type): for inputs that may not
    have arrived yet while the rest of the area has (a source's rare entities: letters, field re-inspections). At
    parse time it is always the ref, so the graph keeps the dependency. -#}
{% macro kpi_ref_or_empty(name, columns) -%}
    {%- if execute and adapter.get_relation(database=target.database, schema=target.schema, identifier=name) is none -%}
        {{ log("kpi: " ~ this.identifier ~ " reads no " ~ name ~ " (not built yet)", info=true) }}
        (select {% for column, type in columns.items() %}null::{{ type }} as {{ column }}{{ ", " if not loop.last }}{% endfor %} where false)
    {%- else -%}
        {{ ref(name) }}
    {%- endif -%}
{%- endmacro %}
