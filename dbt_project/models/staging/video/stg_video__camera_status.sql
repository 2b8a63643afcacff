-- the daily status feed, typed. A day delivered again is read from its latest committed batch only (a constant
-- predicate on the few redelivered days; no row-level dedup over ~20M rows); in-batch duplicate lines are
-- quarantined at ingestion.
with

bronze as (
    {{ committed_bronze('bronze_video', 'camera_status') }}
),

renamed as (
    select
        bronze.device_id::varchar as device_id,
        bronze.stat_date::date as stat_date,
        bronze.status::varchar as feed_status,
        bronze.offline_minutes::integer as offline_minutes,
        bronze.offline_times::integer as offline_times,
        bronze.batch_date::date as batch_date,
        bronze._batch_id::varchar as batch_id,
        bronze._ingested_at as ingested_at
    from bronze
    where {{ video_latest_feed_batches() }}
)

select * from renamed
