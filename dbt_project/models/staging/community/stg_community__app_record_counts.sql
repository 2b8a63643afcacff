-- a day's count is re-sent with a later updated_at when a late sync corrects it: the latest version wins
with

bronze as (
    {{ committed_bronze('bronze_community', 'app_record_counts') }}
),

latest as (
    select *
    from bronze
    {{ latest_by('stat_id', 'updated_at desc, _ingested_at desc') }}
),

renamed as (
    select
        stat_id,
        app_id,
        stat_date,
        records_added,
        updated_at,
        _batch_id as batch_id,
        _ingested_at as ingested_at
    from latest
)

select * from renamed
