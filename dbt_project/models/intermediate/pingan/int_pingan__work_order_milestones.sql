-- one row per work order with the time of each milestone of its flow and how often it was returned or extended
with

flows as (
    select * from {{ ref('stg_pingan__work_order_flows') }}
),

milestones as (
    select
        order_id,
        min(step_at) filter (where step = '派单') as first_dispatched_at,
        max(step_at) filter (where step in ('派单', '改派')) as last_dispatched_at,
        min(step_at) filter (where step = '签收') as flow_accepted_at,
        min(step_at) filter (where step = '办结') as flow_closed_at,
        min(step_at) filter (where step = '归档') as flow_archived_at,
        count(*) filter (where step = '退回') as returns,
        count(*) filter (where step = '延期') as extensions,
        count(*) as flow_steps
    from flows
    group by order_id
)

select * from milestones
