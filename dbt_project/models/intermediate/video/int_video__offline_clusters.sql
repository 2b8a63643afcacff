-- offline clusters (离线聚集): a community-day where at least `video_cluster_min_cameras` cameras and at least
-- `video_cluster_min_share` of the community's listed cameras are offline together (a power, fibre or switch
-- failure takes a neighbourhood down at once; single cameras drop out ~2% of days). Consecutive flagged days of a
-- community form one cluster. Faults are excluded: they are single broken cameras.
with

offline_days as (
    select * from {{ ref('int_video__camera_offline_days') }}
    where feed_status = 'offline'
),

cameras as (
    select * from {{ ref('dim_cameras') }}
),

ledger_months as (
    select distinct last_ledger_month as ledger_month from cameras
),

latest_ledger as (
    select max(ledger_month) as ledger_month from ledger_months
),

listed as (
    -- the cameras of each community in each ledger month (a camera is listed every month it is in service)
    select
        ledger_months.ledger_month,
        cameras.community_code,
        count(*) as cameras_listed
    from cameras
    inner join ledger_months
        on ledger_months.ledger_month between cameras.first_ledger_month and cameras.last_ledger_month
    group by all
),

community_days as (
    select
        offline_days.stat_date,
        cameras.street_code,
        cameras.community_code,
        count(*) as cameras_offline
    from offline_days
    inner join cameras on offline_days.device_id = cameras.device_id
    group by all
),

flagged as (
    select
        community_days.*,
        listed.cameras_listed
    from community_days
    cross join latest_ledger
    inner join listed
        on community_days.community_code = listed.community_code
        -- days after the latest ledger (its month's ledger is not due yet) use the latest one
        and least(strftime(community_days.stat_date, '%Y-%m'), latest_ledger.ledger_month) = listed.ledger_month
    where
        community_days.cameras_offline >= {{ var('video_cluster_min_cameras', 5) }}
        and community_days.cameras_offline >= {{ var('video_cluster_min_share', 0.2) }} * listed.cameras_listed
),

islands as (
    select
        *,
        stat_date - (row_number() over (partition by community_code order by stat_date))::integer as island
    from flagged
),

final as (
    select
        (community_code || '-' || strftime(min(stat_date), '%Y%m%d'))::varchar as cluster_id,
        any_value(street_code)::varchar as street_code,
        community_code::varchar as community_code,
        min(stat_date)::date as cluster_start,
        max(stat_date)::date as cluster_end,
        count(*)::bigint as cluster_days,
        max(cameras_offline)::bigint as max_cameras_offline,
        max(cameras_listed)::bigint as cameras_listed
    from islands
    group by community_code, island
)

select * from final
