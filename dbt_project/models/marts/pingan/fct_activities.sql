-- 群防群治活动: one row per activity with its participants and confirmed service hours
with

activities as (
    select * from {{ ref('stg_pingan__activities') }}
),

participations as (
    select * from {{ ref('fct_participations') }}
),

per_activity as (
    select
        activity_id,
        count(*) as participants,
        sum(service_hours) as service_hours
    from participations
    group by activity_id
),

final as (
    select
        activities.activity_id::varchar as activity_id,
        activities.activity_name::varchar as activity_name,
        activities.activity_type::varchar as activity_type,
        activities.organiser_team::varchar as organiser_team,
        activities.street_code::varchar as street_code,
        activities.community_code::varchar as community_code,
        activities.grid_code::varchar as grid_code,
        activities.location::varchar as location,
        activities.longitude::double as longitude,
        activities.latitude::double as latitude,
        activities.status::varchar as status,
        activities.published_at::timestamp as published_at,
        activities.start_at::timestamp as start_at,
        activities.end_at::timestamp as end_at,
        date_trunc('month', activities.start_at)::date as start_month,
        (date_diff('second', activities.start_at, activities.end_at) / 3600.0)::double as duration_hours,
        activities.planned_participants::integer as planned_participants,
        coalesce(per_activity.participants, 0)::bigint as participants,
        coalesce(per_activity.service_hours, 0)::double as service_hours
    from activities
    left join per_activity on activities.activity_id = per_activity.activity_id
)

select * from final
