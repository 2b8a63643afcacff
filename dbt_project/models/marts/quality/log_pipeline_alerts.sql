with

alerts as (
    select * from {{ ref('stg_platform__alerts') }}
),

final as (
    select
        alert_id,
        recorded_at,
        cast(recorded_at as date) as alert_date,
        kind,
        case kind
            when 'task_failed' then '任务失败'
            when 'run_failed' then '运行失败'
            when 'freshness_deadline' then '运行超时'
            when 'freshness_breach' then '来源时效超期'
            else kind
        end as kind_name,
        dag_id,
        task_id,
        run_id,
        source_system,
        message
    from alerts
)

select * from final
