with

bronze as (
    {{ committed_bronze('bronze_zhengfa', 'lifecare_rooms') }}
),

latest as (
    select *
    from bronze
    {{ latest_by('room_id', 'updated_at desc, _ingested_at desc') }}
),

renamed as (
    select
        room_id,
        room_name,
        host_type,
        address,
        street_code,
        community_code,
        longitude,
        latitude,
        open_hours,
        registered_at,
        updated_at,
        _batch_id as batch_id,
        _ingested_at as ingested_at
    from latest
)

select * from renamed
