with

bronze as (
    {{ committed_bronze('bronze_zhengfa', 'patrol_participations') }}
),

latest as (
    select *
    from bronze
    {{ latest_by('participation_id', 'updated_at desc, _ingested_at desc') }}
),

-- a check-in re-sent under a new id in a later batch escapes the batch check: one per patrol, person, role and
-- instant, the first-numbered one
deduplicated as (
    select *
    from latest
    {{ latest_by('patrol_id, person_name, role, checked_in_at', 'participation_id') }}
),

renamed as (
    select
        participation_id,
        patrol_id,
        volunteer_id,
        -- the person's name is dropped (volunteers are linked by volunteer_id)
        role,
        checked_in_at,
        updated_at,
        _batch_id as batch_id,
        _ingested_at as ingested_at
    from deduplicated
)

select * from renamed
