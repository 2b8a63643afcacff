with

bronze as (
    {{ committed_bronze('bronze_community', 'task_progress') }}
),

latest as (
    select *
    from bronze
    {{ latest_by('progress_id', 'updated_at desc, _ingested_at desc') }}
),

renamed as (
    select
        progress_id,
        task_id,
        month as report_month,
        strptime(month || '-01', '%Y-%m-%d')::date as month_start,
        progress_pct,
        planned_pct,
        updated_at,
        _batch_id as batch_id,
        _ingested_at as ingested_at
    from latest
)

select * from renamed
