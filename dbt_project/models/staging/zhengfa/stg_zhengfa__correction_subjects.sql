-- ID number, name and phone leave as keyed pseudonyms: the 失驾 model joins the roster to licences and violations
-- on the same pseudonymize() of the citizen ID
with

bronze as (
    {{ committed_bronze('bronze_zhengfa', 'correction_subjects') }}
),

latest as (
    select *
    from bronze
    {{ latest_by('subject_id', 'updated_at desc, _ingested_at desc') }}
),

renamed as (
    select
        subject_id,
        pseudonymize(id_number) as person_key,
        pseudonymize(name) as name_key,
        pseudonymize(phone) as phone_key,
        grid_code,
        community_code,
        street_code,
        execution_type,
        crime,
        sentence_months,
        correction_start,
        correction_end,
        updated_at,
        _batch_id as batch_id,
        _ingested_at as ingested_at
    from latest
)

select * from renamed
