{#- KPI contract rows (indicator_code, period, area_code, value, numerator, denominator) for the rows of RELATION
    (a cte with columns event_at: the event time, street_code: nullable, district_code, and the measure columns):
    periods are the calendar years and months of event_at, areas the district and (where known) the street.
    VALUE, NUMERATOR and DENOMINATOR are aggregate expressions over the rows. -#}
{% macro demand_kpi_rows(code, relation, value, numerator, denominator='null') -%}
    {%- set levels = [
        ('year_period', 'district_code'),
        ('year_period', 'street_code'),
        ('month_period', 'district_code'),
        ('month_period', 'street_code'),
    ] -%}
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
