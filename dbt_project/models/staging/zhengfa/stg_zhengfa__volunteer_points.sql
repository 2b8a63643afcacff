with

bronze as (
    {{ committed_bronze('bronze_zhengfa', 'volunteer_points') }}
),

latest as (
    select *
    from bronze
    {{ latest_by('record_id', 'updated_at desc, _ingested_at desc') }}
),

-- a record re-sent under a new id in a later batch escapes the batch check: one credit per activity, volunteer and
-- issue instant, the first-numbered one
deduplicated as (
    select *
    from latest
    {{ latest_by('activity_id, volunteer_id, issued_at', 'record_id') }}
),

renamed as (
    select
        record_id,
        activity_id,
        volunteer_id,
        hours,
        points,
        issued_at,
        updated_at,
        _batch_id as batch_id,
        _ingested_at as ingested_at
    from deduplicated
)

select * from renamed
