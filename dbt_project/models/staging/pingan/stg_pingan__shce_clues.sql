with

bronze as (
    {{ committed_bronze('bronze_pingan', 'shce_clues') }}
),

latest as (
    select *
    from bronze
    {{ latest_by('clue_id', 'updated_at desc, _ingested_at desc') }}
),

renamed as (
    select
        clue_id,
        clue_no,
        source as clue_source,
        category_code,
        summary,
        grid_code,
        community_code,
        street_code,
        status,
        result,
        transferred_to,
        handling_unit,
        received_at,
        verification_started_at,
        closed_at,
        created_at,
        updated_at
    from latest
)

select * from renamed
