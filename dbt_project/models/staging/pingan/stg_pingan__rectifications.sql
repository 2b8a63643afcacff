with

bronze as (
    {{ committed_bronze('bronze_pingan', 'rectifications') }}
),

latest as (
    select *
    from bronze
    {{ latest_by('rectification_id', 'updated_at desc, _ingested_at desc') }}
),

renamed as (
    select
        rectification_id,
        letter_id,
        round as round_no,
        measures,
        submitted_at,
        reviewed_at,
        review_result,
        reviewer_unit,
        updated_at
    from latest
)

select * from renamed
