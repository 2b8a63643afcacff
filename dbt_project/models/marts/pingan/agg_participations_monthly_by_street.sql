-- 群防群治 by month and street: activities held, sign-ins, distinct volunteers and confirmed service hours
with

activities as (
    select * from {{ ref('fct_activities') }}
),

participations as (
    select * from {{ ref('fct_participations') }}
),

streets as (
    select * from {{ ref('ref_streets') }}
),

activity_counts as (
    select
        start_month as month,
        street_code,
        count(*) as activities
    from activities
    group by all
),

participation_counts as (
    select
        checkin_month as month,
        street_code,
        count(*) as participations,
        count(distinct volunteer_id) as volunteers,
        coalesce(sum(service_hours), 0) as service_hours
    from participations
    -- sign-ins at an activity not in staging (quarantined) have no street
    where street_code is not null
    group by all
),

combined as (
    select
        coalesce(activity_counts.month, participation_counts.month) as month,
        coalesce(activity_counts.street_code, participation_counts.street_code) as street_code,
        coalesce(activity_counts.activities, 0) as activities,
        coalesce(participation_counts.participations, 0) as participations,
        coalesce(participation_counts.volunteers, 0) as volunteers,
        coalesce(participation_counts.service_hours, 0) as service_hours
    from activity_counts
    full outer join participation_counts
        on
            activity_counts.month = participation_counts.month
            and activity_counts.street_code = participation_counts.street_code
),

final as (
    select
        combined.month::date as month,
        combined.street_code::varchar as street_code,
        streets.street_name::varchar as street_name,
        combined.activities::bigint as activities,
        combined.participations::bigint as participations,
        combined.volunteers::bigint as volunteers,
        combined.service_hours::double as service_hours
    from combined
    inner join streets on combined.street_code = streets.street_code
)

select * from final
