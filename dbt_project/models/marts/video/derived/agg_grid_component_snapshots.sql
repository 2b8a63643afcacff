-- key components (重点部件) for the safety baseline: cameras by status per grid at every month end of the feed's
-- year up to the data's as-of (the feed's last day), plus the as-of itself. The cameras are those of the ledger in
-- force (the snapshot month's, or the latest before it); a camera the feed reports offline or in fault that day is
-- 离线 / 故障, otherwise 在线.
with

cameras as (
    select * from {{ ref('dim_cameras') }}
),

offline_days as (
    select * from {{ ref('int_video__camera_offline_days') }}
),

feed_span as (
    select
        min(stat_date) as first_day,
        max(stat_date) as as_of_date
    from {{ ref('agg_camera_availability_daily') }}
),

month_starts as (
    select
        unnest(generate_series(
            date_trunc('year', first_day), as_of_date::timestamp, interval 1 month
        )) as month_start
    from feed_span
),

month_ends as (
    select (month_start + interval 1 month - interval 1 day)::date as snapshot_date
    from month_starts
),

snapshot_dates as (
    select month_ends.snapshot_date
    from month_ends, feed_span
    where month_ends.snapshot_date <= feed_span.as_of_date
    union
    select as_of_date from feed_span
),

ledger_months as (
    select max(last_ledger_month) as latest_ledger_month from cameras
),

listed as (
    select
        snapshot_dates.snapshot_date,
        cameras.device_id,
        cameras.street_code,
        cameras.community_code,
        cameras.grid_code
    from snapshot_dates
    cross join ledger_months
    inner join cameras
        on
            least(strftime(snapshot_dates.snapshot_date, '%Y-%m'), ledger_months.latest_ledger_month)
            between cameras.first_ledger_month and cameras.last_ledger_month
),

levelled as (
    select
        listed.*,
        case offline_days.feed_status
            when 'offline' then '离线'
            when 'fault' then '故障'
            else '在线'
        end as element_level
    from listed
    left join offline_days
        on
            listed.device_id = offline_days.device_id
            and listed.snapshot_date = offline_days.stat_date
),

final as (
    select
        snapshot_date::date as snapshot_date,
        street_code::varchar as street_code,
        community_code::varchar as community_code,
        grid_code::varchar as grid_code,
        'key_component'::varchar as element_type,
        '视频探头'::varchar as element_subtype,
        element_level::varchar as element_level,
        count(*)::bigint as element_count
    from levelled
    group by all
)

select * from final
