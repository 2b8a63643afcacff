-- 群防群治志愿者: one row per volunteer, pseudonymised, with their sign-ins and confirmed service hours
with

volunteers as (
    select * from {{ ref('stg_pingan__volunteers') }}
),

participations as (
    select * from {{ ref('fct_participations') }}
),

per_volunteer as (
    select
        volunteer_id,
        count(*) as participations,
        coalesce(sum(service_hours), 0) as service_hours,
        min(checkin_at) as first_checkin_at,
        max(checkin_at) as last_checkin_at
    from participations
    group by volunteer_id
),

final as (
    select
        volunteers.volunteer_id::varchar as volunteer_id,
        volunteers.citizen_id_key::varchar as citizen_id_key,
        volunteers.team::varchar as team,
        volunteers.street_code::varchar as street_code,
        volunteers.community_code::varchar as community_code,
        volunteers.registered_at::timestamp as registered_at,
        coalesce(per_volunteer.participations, 0)::bigint as participations,
        coalesce(per_volunteer.service_hours, 0)::double as service_hours,
        per_volunteer.first_checkin_at::timestamp as first_checkin_at,
        per_volunteer.last_checkin_at::timestamp as last_checkin_at
    from volunteers
    left join per_volunteer on volunteers.volunteer_id = per_volunteer.volunteer_id
)

select * from final
