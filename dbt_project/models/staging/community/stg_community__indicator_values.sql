with

bronze as (
    {{ committed_bronze('bronze_community', 'indicator_values') }}
),

latest as (
    select *
    from bronze
    {{ latest_by('value_id', 'updated_at desc, _ingested_at desc') }}
),

renamed as (
    select
        value_id,
        indicator_code,
        community_code,
        month as value_month,
        strptime(month || '-01', '%Y-%m-%d')::date as month_start,
        value as value_pct,
        updated_at,
        _batch_id as batch_id,
        _ingested_at as ingested_at
    from latest
)

select * from renamed
