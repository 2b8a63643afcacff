with

values_ as (
    select * from {{ ref('stg_community__indicator_values') }}
),

indicators as (
    select * from {{ ref('stg_community__indicators') }}
),

communities as (
    select * from {{ ref('ref_communities') }}
),

final as (
    select
        values_.value_id::varchar as value_id,
        values_.indicator_code::varchar as indicator_code,
        indicators.indicator_name::varchar as indicator_name,
        indicators.unit::varchar as unit,
        values_.community_code::varchar as community_code,
        communities.street_code::varchar as street_code,
        values_.month_start::date as month,
        values_.value_pct::double as value,
        values_.updated_at::timestamp as published_at
    from values_
    left join indicators on values_.indicator_code = indicators.indicator_code
    left join communities on values_.community_code = communities.community_code
)

select * from final
