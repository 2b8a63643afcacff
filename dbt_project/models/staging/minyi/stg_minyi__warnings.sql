with

bronze as (
    {{ committed_bronze('bronze_minyi', 'warnings') }}
),

latest as (
    select *
    from bronze
    {{ latest_by('warning_id', 'updated_at desc, _ingested_at desc') }}
),

renamed as (
    select
        warning_id,
        ticket_id,
        rule_code,
        rule_name,
        level,
        department,
        raised_at,
        status,
        handled_at,
        updated_at,
        _ingested_at as ingested_at
    from latest
)

select * from renamed
