-- one row per volunteer activity with the points credited for it
with

activities as (
    select * from {{ ref('stg_zhengfa__volunteer_activities') }}
),

credits as (
    select
        activity_id,
        count(*) as point_records,
        count(distinct volunteer_id) as volunteers_credited,
        sum(hours) as volunteer_hours,
        sum(points) as points
    from {{ ref('fct_volunteer_points') }}
    group by activity_id
),

final as (
    select
        activities.activity_id::varchar as activity_id,
        activities.title::varchar as title,
        activities.activity_type::varchar as activity_type,
        activities.organiser::varchar as organiser,
        activities.street_code::varchar as street_code,
        activities.community_code::varchar as community_code,
        activities.grid_code::varchar as grid_code,
        activities.published_at::timestamp as published_at,
        activities.start_at::timestamp as start_at,
        activities.end_at::timestamp as end_at,
        date_trunc('month', activities.start_at)::date as activity_month,
        activities.quota::integer as quota,
        activities.status::varchar as status,
        coalesce(credits.point_records, 0)::bigint as point_records,
        coalesce(credits.volunteers_credited, 0)::bigint as volunteers_credited,
        coalesce(credits.volunteer_hours, 0)::double as volunteer_hours,
        coalesce(credits.points, 0)::bigint as points
    from activities
    left join credits on activities.activity_id = credits.activity_id
)

select * from final
