with

bronze as (
    {{ committed_bronze('bronze_community', 'work_stats') }}
),

latest as (
    select *
    from bronze
    {{ latest_by('stat_id', 'updated_at desc, _ingested_at desc') }}
),

renamed as (
    select
        stat_id,
        community_code,
        stat_date,
        items_total,
        items_online,
        updated_at,
        _batch_id as batch_id,
        _ingested_at as ingested_at
    from latest
)

select * from renamed
