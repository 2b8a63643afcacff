with

bronze as (
    {{ committed_bronze('bronze_minyi', 'letter_tickets') }}
),

latest as (
    select *
    from bronze
    {{ latest_by('letter_id, ticket_id', 'updated_at desc, _ingested_at desc') }}
),

renamed as (
    select
        letter_id,
        ticket_id,
        updated_at,
        _ingested_at as ingested_at
    from latest
)

select * from renamed
