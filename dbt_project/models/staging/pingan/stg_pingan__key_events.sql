with

bronze as (
    {{ committed_bronze('bronze_pingan', 'key_events') }}
),

latest as (
    select *
    from bronze
    {{ latest_by('event_id', 'updated_at desc, _ingested_at desc') }}
),

renamed as (
    select
        event_id,
        event_type_code,
        event_level,
        title,
        description,
        grid_code,
        community_code,
        street_code,
        longitude,
        latitude,
        status,
        occurred_at,
        reported_at,
        closed_at,
        created_at,
        updated_at
    from latest
)

select * from renamed
