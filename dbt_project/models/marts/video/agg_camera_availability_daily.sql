{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='stat_date',
        on_schema_change='fail',
    )
}}

-- daily availability by street × manufacturer; a camera-day takes the camera's attributes from the ledger, and a
-- camera the ledgers do not list (yet) counts under its ID's street and vendor 未入账
with

feed as (
    select * from {{ ref('stg_video__camera_status') }}
    where {{ video_feed_day_filter(watch_ledgers=true) }}
),

cameras as (
    select
        device_id,
        street_code,
        manufacturer
    from {{ ref('dim_cameras') }}
),

streets as (
    select * from {{ ref('ref_streets') }}
),

-- aggregate to camera attributes before anything else: the join runs on ~20M rows once, then only counts move
counted as (
    select
        feed.stat_date,
        -- the ID's street is read only for cameras the ledgers do not list (a handful of 20M rows)
        case
            when cameras.device_id is null then {{ video_street_of_id('feed.device_id') }} else cameras.street_code
        end as street_code,
        coalesce(cameras.manufacturer, '未入账') as vendor,
        count(*) as cameras_reporting,
        count(*) filter (where feed.feed_status = 'online') as cameras_online,
        count(*) filter (where feed.feed_status = 'offline') as cameras_offline,
        count(*) filter (where feed.feed_status = 'fault') as cameras_fault,
        any_value(feed.batch_id) as batch_id,  -- one batch per day
        max(feed.ingested_at) as ingested_at
    from feed
    left join cameras on feed.device_id = cameras.device_id
    group by all
),

final as (
    select
        counted.stat_date::date as stat_date,
        counted.street_code::varchar as street_code,
        streets.street_name::varchar as street_name,
        counted.vendor::varchar as vendor,
        counted.cameras_reporting::bigint as cameras_reporting,
        counted.cameras_online::bigint as cameras_online,
        counted.cameras_offline::bigint as cameras_offline,
        counted.cameras_fault::bigint as cameras_fault,
        {{ video_online_rate('counted.cameras_online', 'counted.cameras_reporting') }}::double as online_rate,
        counted.batch_id::varchar as batch_id,
        counted.ingested_at::timestamp as ingested_at
    from counted
    left join streets on counted.street_code = streets.street_code
)

select * from final
