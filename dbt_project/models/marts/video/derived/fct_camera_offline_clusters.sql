-- offline clusters (离线聚集): a community-day with far more cameras offline than the community's usual day — at
-- least `video_cluster_min_cameras` (5) and above median + `video_cluster_z` (5) × sqrt(median) of its daily offline
-- counts (single cameras drop out independently, ~2% a day, so a normal day's count is near-Poisson; a power, fibre
-- or switch failure takes a neighbourhood down at once). Consecutive flagged days of a community form one cluster.
-- Faults are excluded: they are single broken cameras.
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
        cameras.community_code,
        count(*) as cameras_offline
    from offline_days
    inner join cameras on offline_days.device_id = cameras.device_id
    where cameras.community_code is not null
    group by all
),

feed_days as (
    select distinct stat_date from {{ ref('int_video__camera_offline_days') }}
),

communities as (
    select distinct
        community_code,
        street_code
    from cameras
    where community_code is not null
),

every_community_day as (
    -- days without any offline camera count as 0 for the median
    select
        feed_days.stat_date,
        communities.community_code,
        communities.street_code,
        coalesce(community_days.cameras_offline, 0) as cameras_offline
    from feed_days
    cross join communities
    left join community_days
        on
            feed_days.stat_date = community_days.stat_date
            and communities.community_code = community_days.community_code
),

usual as (
    select
        community_code,
        median(cameras_offline) as median_offline
    from every_community_day
    group by community_code
),

flagged as (
    select
        every_community_day.*,
        listed.cameras_listed
    from every_community_day
    inner join usual on every_community_day.community_code = usual.community_code
    cross join latest_ledger
    left join listed
        on every_community_day.community_code = listed.community_code
        -- days after the latest ledger (its month's ledger is not due yet) use the latest one
        and least(strftime(every_community_day.stat_date, '%Y-%m'), latest_ledger.ledger_month) = listed.ledger_month
    where
        every_community_day.cameras_offline >= {{ var('video_cluster_min_cameras', 5) }}
        and every_community_day.cameras_offline
        >= usual.median_offline + {{ var('video_cluster_z', 5) }} * sqrt(greatest(usual.median_offline, 1))
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
