{#- KPI contract rows (indicator_code, period, area_code, value, numerator, denominator) for the rows of RELATION
    (a cte with columns event_at: the event time, street_code: nullable, district_code, and the measure columns):
    periods are the calendar years and months of event_at, areas the district and (where known) the street, and
    with BY_COMMUNITY the community too (RELATION then has community_code).
    VALUE, NUMERATOR and DENOMINATOR are aggregate expressions over the rows. -#}
{% macro demand_kpi_rows(code, relation, value, numerator, denominator='null', by_community=false) -%}
    {%- set areas = ['district_code', 'street_code'] + (['community_code'] if by_community else []) -%}
    {%- set levels = [] -%}
    {%- for period in ['year_period', 'month_period'] -%}
        {%- for area in areas -%}
            {%- do levels.append((period, area)) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- for period, area in levels %}
    {% if not loop.first %}union all{% endif %}
    select
        '{{ code }}' as indicator_code,
        {{ period }} as period,
        {{ area }} as area_code,
        ({{ value }})::double as value,
        ({{ numerator }})::double as numerator,
        ({{ denominator }})::double as denominator
    from (
        select
            *,
            strftime(event_at, '%Y') as year_period,
            strftime(event_at, '%Y-%m') as month_period
        from {{ relation }}
        where event_at is not null
    ) as periods
    where {{ area }} is not null
    group by {{ period }}, {{ area }}
    {%- endfor %}
{%- endmacro %}
