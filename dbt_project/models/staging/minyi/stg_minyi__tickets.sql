with

bronze as (
    {{ committed_bronze('bronze_minyi', 'tickets') }}
),

latest as (
    select *
    from bronze
    {{ latest_by('ticket_id', 'updated_at desc, _ingested_at desc') }}
),

renamed as (
    select
        ticket_id,
        channel_code,
        category_code,
        street_code,
        community_code,
        title,
        content,
        -- personal identifiers leave staging only as keyed pseudonyms
        pseudonymize(caller_phone) as caller_key,
        longitude,
        latitude,
        status,
        created_at,
        dispatched_at,
        due_at,
        closed_at,
        updated_at,
        _batch_id as batch_id,
        _ingested_at as ingested_at
    from latest
)

select * from renamed
