with

bronze as (
    {{ committed_bronze('bronze_community', 'indicators') }}
),

latest as (
    select *
    from bronze
    {{ latest_by('indicator_code', 'updated_at desc, _ingested_at desc') }}
),

renamed as (
    select
        indicator_code,
        indicator_name,
        unit,
        definition,
        updated_at,
        _batch_id as batch_id,
        _ingested_at as ingested_at
    from latest
)

select * from renamed
