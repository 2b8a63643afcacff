with

bronze as (
    {{ committed_bronze('bronze_pingan', 'activities') }}
),

latest as (
    select *
    from bronze
    {{ latest_by('activity_id', 'updated_at desc, _ingested_at desc') }}
),

renamed as (
    select
        activity_id,
        activity_name,
        activity_type,
        organiser_team,
        grid_code,
        community_code,
        street_code,
        location,
        longitude,
        latitude,
        planned_participants,
        status,
        published_at,
        start_at,
        end_at,
        created_at,
        updated_at,
        _batch_id as batch_id,
        _ingested_at as ingested_at
    from latest
)

select * from renamed
