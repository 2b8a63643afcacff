{#- KPI contract rows (indicator_code, period, area_code, value, numerator, denominator) of plain counts, from
    COUNTS (indicator_code, period, street_code, is_district, value) and the model's `district` CTE: numerator =
    value and no denominator. A count without a street (counsellors, say) exists only at district level. -#}
{% macro kpi_count_rows(counts) -%}
    select
        {{ counts }}.indicator_code::varchar as indicator_code,
        {{ counts }}.period::varchar as period,
        (case when {{ counts }}.is_district then district.district_code else {{ counts }}.street_code end)::varchar
            as area_code,
        {{ counts }}.value::double as value,
        {{ counts }}.value::double as numerator,
        null::double as denominator
    from {{ counts }}
    cross join district
    where {{ counts }}.is_district or {{ counts }}.street_code is not null
{%- endmacro %}
