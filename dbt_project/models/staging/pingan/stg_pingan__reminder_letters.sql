with

bronze as (
    {{ committed_bronze('bronze_pingan', 'reminder_letters') }}
),

latest as (
    select *
    from bronze
    {{ latest_by('letter_id', 'updated_at desc, _ingested_at desc') }}
),

renamed as (
    select
        letter_id,
        letter_no,
        place_id,
        place_name,
        issuing_unit,
        problem,
        requirement,
        grid_code,
        community_code,
        street_code,
        status,
        issued_at,
        signed_at,
        deadline_at,
        rectified_at,
        created_at,
        updated_at
    from latest
)

select * from renamed
