with

bronze as (
    {{ committed_bronze('bronze_minyi', 'field_reinspections') }}
),

latest as (
    select *
    from bronze
    {{ latest_by('reinspection_id', 'updated_at desc, _ingested_at desc') }}
),

renamed as (
    select
        reinspection_id,
        ticket_id,
        inspector_unit,
        inspected_at,
        result,
        finding,
        photo_count,
        updated_at,
        _ingested_at as ingested_at
    from latest
)

select * from renamed
