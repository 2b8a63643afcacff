with

bronze as (
    {{ committed_bronze('bronze_minyi', 'letters') }}
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
        letter_type,
        department,
        subject,
        content,
        ticket_count,
        issued_at,
        status,
        replied_at,
        updated_at,
        _ingested_at as ingested_at
    from latest
)

select * from renamed
