with

bronze as (
    {{ committed_bronze('bronze_pingan', 'volunteers') }}
),

latest as (
    select *
    from bronze
    {{ latest_by('volunteer_id', 'updated_at desc, _ingested_at desc') }}
),

-- one person registered twice: the first registration keeps the person
deduplicated as (
    select *
    from latest
    {{ pingan_first_by_business_key(['id_number'], 'registered_at, volunteer_id') }}
),

renamed as (
    select
        volunteer_id,
        -- personal identifiers leave staging only as keyed pseudonyms
        pseudonymize(id_number) as citizen_id_key,
        pseudonymize(name) as name_key,
        pseudonymize(phone) as phone_key,
        team,
        community_code,
        street_code,
        registered_at,
        created_at,
        updated_at
    from deduplicated
)

select * from renamed
