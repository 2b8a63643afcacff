-- one row per night patrol with its check-ins and the hazards found and handled on it
with

patrols as (
    select * from {{ ref('stg_zhengfa__night_patrols') }}
),

participations as (
    select
        patrol_id,
        count(*) as participations,
        count(*) filter (where role = '平安志愿者') as volunteer_participations
    from {{ ref('fct_patrol_participations') }}
    group by patrol_id
),

hazards as (
    select
        patrol_id,
        count(*) as hazards_found,
        count(*) filter (where is_handled) as hazards_handled,
        count(*) filter (where status = '已移交') as hazards_transferred
    from {{ ref('fct_patrol_hazards') }}
    group by patrol_id
),

final as (
    select
        patrols.patrol_id::varchar as patrol_id,
        patrols.patrol_name::varchar as patrol_name,
        patrols.street_code::varchar as street_code,
        patrols.community_code::varchar as community_code,
        patrols.grid_code::varchar as grid_code,
        patrols.route::varchar as route,
        patrols.start_at::timestamp as start_at,
        patrols.end_at::timestamp as end_at,
        patrols.start_at::date as patrol_date,
        date_trunc('month', patrols.start_at)::date as patrol_month,
        patrols.status::varchar as status,
        patrols.participant_count::integer as reported_participants,
        coalesce(participations.participations, 0)::bigint as participations,
        coalesce(participations.volunteer_participations, 0)::bigint as volunteer_participations,
        coalesce(hazards.hazards_found, 0)::bigint as hazards_found,
        coalesce(hazards.hazards_handled, 0)::bigint as hazards_handled,
        coalesce(hazards.hazards_transferred, 0)::bigint as hazards_transferred
    from patrols
    left join participations on patrols.patrol_id = participations.patrol_id
    left join hazards on patrols.patrol_id = hazards.patrol_id
)

select * from final
