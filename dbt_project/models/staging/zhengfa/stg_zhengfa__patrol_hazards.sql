with

bronze as (
    {{ committed_bronze('bronze_zhengfa', 'patrol_hazards') }}
),

latest as (
    select *
    from bronze
    -- a hazard is resent when it is handled (and when a handling record is corrected)
    {{ latest_by('hazard_id', 'updated_at desc, _ingested_at desc') }}
),

-- a hazard re-sent under a new id (…-H03R) in a later batch escapes the batch check: the place and instant tell a
-- copy from a second hazard of the same type
deduplicated as (
    select *
    from latest
    {{ latest_by('patrol_id, hazard_type, found_at, longitude, latitude', 'hazard_id') }}
),

renamed as (
    select
        hazard_id,
        patrol_id,
        hazard_type,
        grid_code,
        longitude,
        latitude,
        found_at,
        status,
        handled_at,
        updated_at,
        _batch_id as batch_id,
        _ingested_at as ingested_at
    from deduplicated
)

select * from renamed
