with

apps as (
    select * from {{ ref('stg_community__apps') }}
),

scenarios as (
    select * from {{ ref('stg_community__scenarios') }}
),

communities as (
    select * from {{ ref('ref_communities') }}
),

streets as (
    select * from {{ ref('ref_streets') }}
),

final as (
    select
        apps.app_id::varchar as app_id,
        apps.app_name::varchar as app_name,
        apps.community_code::varchar as community_code,
        communities.community_name::varchar as community_name,
        apps.street_code::varchar as street_code,
        streets.street_name::varchar as street_name,
        apps.category::varchar as category,
        apps.scenario_id::varchar as scenario_id,
        scenarios.scenario_name::varchar as scenario_name,
        apps.form_fields::bigint as form_fields,
        apps.status::varchar as status,
        apps.created_at::timestamp as created_at,
        date_trunc('month', apps.created_at)::date as created_month,
        apps.updated_at::timestamp as updated_at
    from apps
    left join scenarios on apps.scenario_id = scenarios.scenario_id
    left join communities on apps.community_code = communities.community_code
    left join streets on apps.street_code = streets.street_code
)

select * from final
