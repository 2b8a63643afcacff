with

bronze as (
    {{ committed_bronze('bronze_pingan', 'key_places') }}
),

latest as (
    select *
    from bronze
    {{ latest_by('place_id', 'updated_at desc, _ingested_at desc') }}
),

renamed as (
    select
        place_id,
        place_type_code,
        place_name,
        -- the premises' address (a registered place, not a person's home record)
        address,
        grid_code,
        community_code,
        street_code,
        longitude,
        latitude,
        risk_level,
        -- the contact person is personal data
        pseudonymize(contact_name) as contact_name_key,
        pseudonymize(contact_phone) as contact_phone_key,
        status,
        registered_at,
        deregistered_at,
        created_at,
        updated_at,
        _batch_id as batch_id,
        _ingested_at as ingested_at
    from latest
)

select * from renamed
