-- one row per hazard found on a night patrol and its handling
with

hazards as (
    select * from {{ ref('stg_zhengfa__patrol_hazards') }}
),

patrols as (
    select
        patrol_id,
        community_code,
        street_code
    from {{ ref('stg_zhengfa__night_patrols') }}
),

final as (
    select
        hazards.hazard_id::varchar as hazard_id,
        hazards.patrol_id::varchar as patrol_id,
        hazards.hazard_type::varchar as hazard_type,
        patrols.street_code::varchar as street_code,
        patrols.community_code::varchar as community_code,
        hazards.grid_code::varchar as grid_code,
        hazards.longitude::double as longitude,
        hazards.latitude::double as latitude,
        hazards.found_at::timestamp as found_at,
        hazards.status::varchar as status,
        hazards.handled_at::timestamp as handled_at,
        (hazards.status = '已处置')::boolean as is_handled,
        date_trunc('month', hazards.handled_at)::date as handled_month,
        (date_diff('second', hazards.found_at, hazards.handled_at) / 3600.0)::double as handling_hours
    from hazards
    inner join patrols on hazards.patrol_id = patrols.patrol_id
)

select * from final
