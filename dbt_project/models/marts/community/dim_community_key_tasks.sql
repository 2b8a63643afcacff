-- the key tasks with their latest monthly progress report (the plan figure comes only from the reports)
with

tasks as (
    select * from {{ ref('stg_community__tasks') }}
),

progress as (
    select * from {{ ref('stg_community__task_progress') }}
),

latest_report as (
    select
        task_id,
        month_start,
        progress_pct,
        planned_pct,
        count(*) over (partition by task_id) as reports
    from progress
    {{ latest_by('task_id', 'month_start desc, updated_at desc') }}
),

final as (
    select
        tasks.task_id::varchar as task_id,
        tasks.task_name::varchar as task_name,
        tasks.category::varchar as category,
        tasks.lead_unit::varchar as lead_unit,
        tasks.start_date::date as start_date,
        tasks.due_date::date as due_date,
        tasks.progress_pct::double as progress_pct,
        latest_report.planned_pct::double as planned_pct,
        tasks.status::varchar as status,
        latest_report.month_start::date as last_report_month,
        coalesce(latest_report.reports, 0)::bigint as reports,
        coalesce(tasks.progress_pct < latest_report.planned_pct - 10, false)::boolean as is_behind_plan,
        tasks.updated_at::timestamp as updated_at
    from tasks
    left join latest_report on tasks.task_id = latest_report.task_id
)

select * from final
