{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='stat_date',
        on_schema_change='fail',
    )
}}

-- every camera-day the feed reports a camera not online (~3% of the feed): what offline runs, offline clusters and
-- the month-end baseline read, so no other model reads the status feed row by row
with

feed as (
    select * from {{ ref('stg_video__camera_status') }}
    where {{ video_feed_day_filter() }}
),

final as (
    select
        stat_date::date as stat_date,
        device_id::varchar as device_id,
        feed_status::varchar as feed_status,
        offline_minutes::integer as offline_minutes,
        offline_times::integer as offline_times,
        batch_id::varchar as batch_id,
        ingested_at::timestamp as ingested_at
    from feed
    where feed_status <> 'online'
)

select * from final
