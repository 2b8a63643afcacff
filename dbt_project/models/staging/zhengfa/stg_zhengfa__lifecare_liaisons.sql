with

bronze as (
    {{ committed_bronze('bronze_zhengfa', 'lifecare_liaisons') }}
),

latest as (
    select *
    from bronze
    {{ latest_by('liaison_id', 'updated_at desc, _ingested_at desc') }}
),

renamed as (
    select
        liaison_id,
        -- the name is dropped; the phone leaves only as a keyed pseudonym
        pseudonymize(phone) as phone_key,
        unit_type,
        unit_name,
        street_code,
        community_code,
        registered_at,
        updated_at,
        _batch_id as batch_id,
        _ingested_at as ingested_at
    from latest
)

select * from renamed
