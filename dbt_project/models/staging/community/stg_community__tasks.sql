with

bronze as (
    {{ committed_bronze('bronze_community', 'tasks') }}
),

latest as (
    select *
    from bronze
    {{ latest_by('task_id', 'updated_at desc, _ingested_at desc') }}
),

renamed as (
    select
        task_id,
        task_name,
        category,
        lead_unit,
        start_date,
        due_date,
        progress_pct,
        status,
        updated_at,
        _batch_id as batch_id,
        _ingested_at as ingested_at
    from latest
)

select * from renamed
