with

bronze as (
    {{ committed_bronze('bronze_minyi', 'reports') }}
),

latest as (
    select *
    from bronze
    {{ latest_by('report_id', 'updated_at desc, _ingested_at desc') }}
),

renamed as (
    select
        report_id,
        report_type,
        period_type,
        period_start,
        period_end,
        street_code,
        title,
        ticket_count,
        issued_at,
        updated_at,
        _ingested_at as ingested_at
    from latest
)

select * from renamed
