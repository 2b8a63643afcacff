with

bronze as (
    {{ committed_bronze('bronze_pingan', 'key_persons') }}
),

latest as (
    select *
    from bronze
    {{ latest_by('person_id', 'updated_at desc, _ingested_at desc') }}
),

-- the same person listed again under the same subtype by another grid worker: the first listing counts
deduplicated as (
    select *
    from latest
    {{ pingan_first_by_business_key(['id_number', 'subtype_code'], 'entered_at, person_id') }}
),

renamed as (
    select
        person_id,
        -- personal identifiers leave staging only as keyed pseudonyms
        pseudonymize(id_number) as citizen_id_key,
        pseudonymize(name) as name_key,
        pseudonymize(phone) as phone_key,
        pseudonymize(address) as address_key,
        sex,
        try_cast(substr(id_number, 7, 4) as integer) as birth_year,
        subtype_code,
        control_level as control_level_code,
        grid_code,
        community_code,
        street_code,
        status,
        entered_at,
        left_at,
        source_ref as correction_subject_id,
        execution_type,
        crime,
        sentence_months,
        correction_start::date as correction_start,
        correction_end::date as correction_end,
        release_date::date as release_date,
        danger_level,
        drug_type,
        created_at,
        updated_at,
        _batch_id as batch_id,
        _ingested_at as ingested_at
    from deduplicated
)

select * from renamed
