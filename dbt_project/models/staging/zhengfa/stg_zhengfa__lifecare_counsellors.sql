with

bronze as (
    {{ committed_bronze('bronze_zhengfa', 'lifecare_counsellors') }}
),

latest as (
    select *
    from bronze
    {{ latest_by('counsellor_id', 'updated_at desc, _ingested_at desc') }}
),

renamed as (
    select
        counsellor_id,
        -- the name is dropped; ID number and phone leave only as keyed pseudonyms
        pseudonymize(id_number) as person_key,
        pseudonymize(phone) as phone_key,
        qualification,
        room_id,
        organisation,
        registered_at,
        updated_at,
        _batch_id as batch_id,
        _ingested_at as ingested_at
    from latest
)

select * from renamed
