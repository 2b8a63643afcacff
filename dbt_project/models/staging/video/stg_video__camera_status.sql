-- the daily status feed, typed; a day delivered again is read from its latest committed batch only, so no
-- row-level dedup window runs over the whole feed (in-batch duplicates are quarantined at ingestion)
with

bronze as (
    {{ committed_bronze('bronze_video', 'camera_status') }}
),

latest_batches as (
    select batch_id
    from {{ source('lake_meta', 'batch_manifests') }}
    where
        source = 'video'
        and entity = 'camera_status'
        and status = 'committed'
    qualify row_number() over (partition by high order by received_at desc, batch_id desc) = 1
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
    semi join latest_batches on bronze._batch_id = latest_batches.batch_id
)

select * from renamed
