with

progress as (
    select * from {{ ref('stg_community__task_progress') }}
),

final as (
    select
        progress_id::varchar as progress_id,
        task_id::varchar as task_id,
        month_start::date as month,
        progress_pct::double as progress_pct,
        planned_pct::double as planned_pct,
        (progress_pct - planned_pct)::double as gap_pct,
        -- the community's own rule for 滞后: more than 10 points behind plan
        (progress_pct < planned_pct - 10)::boolean as is_behind_plan,
        updated_at::timestamp as reported_at
    from progress
)

select * from final
