with

bronze as (
    {{ committed_bronze('bronze_zhengfa', 'night_patrols') }}
),

latest as (
    select *
    from bronze
    -- a patrol is resent when it ends and when its head count is corrected weeks later
    {{ latest_by('patrol_id', 'updated_at desc, _ingested_at desc') }}
),

renamed as (
    select
        patrol_id,
        patrol_name,
        grid_code,
        community_code,
        street_code,
        route,
        -- the leader's name is dropped
        start_at,
        end_at,
        participant_count,
        status,
        updated_at,
        _batch_id as batch_id,
        _ingested_at as ingested_at
    from latest
)

select * from renamed
