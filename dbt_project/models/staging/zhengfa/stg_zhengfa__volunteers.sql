with

bronze as (
    {{ committed_bronze('bronze_zhengfa', 'volunteers') }}
),

latest as (
    select *
    from bronze
    {{ latest_by('volunteer_id', 'updated_at desc, _ingested_at desc') }}
),

-- the same person registered twice (a month later, so usually in another batch than the first registration):
-- keep the first-numbered registration of each ID number and name
deduplicated as (
    select *
    from latest
    {{ latest_by('id_number, name', 'volunteer_id') }}
),

renamed as (
    select
        volunteer_id,
        -- the name is dropped; ID number and phone leave only as keyed pseudonyms
        pseudonymize(id_number) as person_key,
        pseudonymize(phone) as phone_key,
        team,
        grid_code,
        community_code,
        street_code,
        registered_at,
        updated_at,
        _batch_id as batch_id,
        _ingested_at as ingested_at
    from deduplicated
)

select * from renamed
