{#- Every area's indicator rows come from one view per area in models/marts/kpi/areas/ (the KPI contract:
    indicator_code, period, area_code, value, numerator, denominator); this mart only adds the catalogue's definition
    and the area names. -#}
{%- set kpi_models = [
    'fct_indicator_values_demand',
    'fct_indicator_values_pingan',
    'fct_indicator_values_video',
    'fct_indicator_values_community',
    'fct_indicator_values_zhengfa_cases',
    'fct_indicator_values_zhengfa',
    'fct_indicator_values_supervision',
] -%}

with

computed as (
    {%- for model in kpi_models %}
        select
            indicator_code,
            period,
            area_code,
            value,
            numerator,
            denominator
        from {{ ref(model) }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

catalogue as (
    select * from {{ ref('dim_indicators') }}
),

areas as (
    select
        '440309' as area_code,
        'district' as area_level,
        '龙华区' as area_name
    union all
    select
        street_code as area_code,
        'street' as area_level,
        street_name as area_name
    from {{ ref('ref_streets') }}
    union all
    select
        community_code as area_code,
        'community' as area_level,
        community_name as area_name
    from {{ ref('ref_communities') }}
),

final as (
    select
        computed.indicator_code,
        catalogue.indicator_name,
        catalogue.domain,
        computed.period,
        case when length(computed.period) = 4 then 'year' else 'month' end as period_type,
        computed.area_code,
        areas.area_level,
        areas.area_name,
        cast(computed.value as double) as value,
        cast(computed.numerator as double) as numerator,
        cast(computed.denominator as double) as denominator,
        catalogue.unit,
        catalogue.target,
        case catalogue.target_direction
            when 'at_least' then computed.value >= catalogue.target
            when 'at_most' then computed.value <= catalogue.target
        end as target_met
    from computed
    left join catalogue on computed.indicator_code = catalogue.indicator_code
    left join areas on computed.area_code = areas.area_code
)

select * from final
