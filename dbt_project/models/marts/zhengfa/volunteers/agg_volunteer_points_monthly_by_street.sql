-- activities count in the month they started, points in the month they were credited
with

activities as (
    select
        activity_month as month,
        street_code,
        count(*) as activities
    from {{ ref('fct_volunteer_activities') }}
    group by all
),

credits as (
    select
        issued_month as month,
        street_code,
        count(*) as point_records,
        count(distinct volunteer_id) as volunteers_credited,
        sum(hours) as volunteer_hours,
        sum(points) as points
    from {{ ref('fct_volunteer_points') }}
    group by all
),

streets as (
    select * from {{ ref('ref_streets') }}
),

combined as (
    select
        coalesce(activities.month, credits.month) as month,
        coalesce(activities.street_code, credits.street_code) as street_code,
        coalesce(activities.activities, 0) as activities,
        coalesce(credits.point_records, 0) as point_records,
        coalesce(credits.volunteers_credited, 0) as volunteers_credited,
        coalesce(credits.volunteer_hours, 0) as volunteer_hours,
        coalesce(credits.points, 0) as points
    from activities
    full outer join credits
        on activities.month = credits.month and activities.street_code = credits.street_code
),

final as (
    select
        combined.month::date as month,
        combined.street_code::varchar as street_code,
        streets.street_name::varchar as street_name,
        combined.activities::bigint as activities,
        combined.point_records::bigint as point_records,
        combined.volunteers_credited::bigint as volunteers_credited,
        combined.volunteer_hours::double as volunteer_hours,
        combined.points::bigint as points
    from combined
    inner join streets on combined.street_code = streets.street_code
)

select * from final
