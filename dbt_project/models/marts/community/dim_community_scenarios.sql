with

scenarios as (
    select * from {{ ref('stg_community__scenarios') }}
),

apps as (
    select * from {{ ref('stg_community__apps') }}
),

apps_per_scenario as (
    select
        scenario_id,
        count(*) as apps,
        count(*) filter (where status = '启用') as apps_enabled
    from apps
    group by all
),

final as (
    select
        scenarios.scenario_id::varchar as scenario_id,
        scenarios.scenario_name::varchar as scenario_name,
        scenarios.domain::varchar as domain,
        scenarios.launched_at::timestamp as launched_at,
        coalesce(apps_per_scenario.apps, 0)::bigint as apps,
        coalesce(apps_per_scenario.apps_enabled, 0)::bigint as apps_enabled,
        scenarios.updated_at::timestamp as updated_at
    from scenarios
    left join apps_per_scenario on scenarios.scenario_id = apps_per_scenario.scenario_id
)

select * from final
