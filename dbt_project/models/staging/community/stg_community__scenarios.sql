with

bronze as (
    {{ committed_bronze('bronze_community', 'scenarios') }}
),

latest as (
    select *
    from bronze
    {{ latest_by('scenario_id', 'updated_at desc, _ingested_at desc') }}
),

renamed as (
    select
        scenario_id,
        scenario_name,
        domain,
        launched_at,
        updated_at,
        _batch_id as batch_id,
        _ingested_at as ingested_at
    from latest
)

select * from renamed
