-- 协同工单: one row per work order (latest state) with its flow-derived durations
with

orders as (
    select * from {{ ref('stg_pingan__work_orders') }}
),

milestones as (
    select * from {{ ref('int_pingan__work_order_milestones') }}
),

order_types as (
    select * from {{ ref('dim_safety_codes') }}
    where code_type = 'order_type'
),

as_of as (
    select * from {{ ref('int_baseline__as_of') }}
),

joined as (
    select
        orders.*,
        order_types.name as order_type_name,
        milestones.first_dispatched_at,
        milestones.last_dispatched_at,
        milestones.flow_accepted_at,
        milestones.flow_closed_at,
        coalesce(milestones.returns, 0) as returns,
        coalesce(milestones.extensions, 0) as extensions,
        as_of.as_of_at
    from orders
    cross join as_of
    left join milestones on orders.order_id = milestones.order_id
    left join order_types on orders.order_type_code = order_types.code
),

final as (
    select
        order_id::varchar as order_id,
        order_type_code::varchar as order_type_code,
        order_type_name::varchar as order_type_name,
        title::varchar as title,
        order_source::varchar as order_source,
        initiator_dept::varchar as initiator_dept,
        handler_dept::varchar as handler_dept,
        priority::varchar as priority,
        street_code::varchar as street_code,
        community_code::varchar as community_code,
        grid_code::varchar as grid_code,
        status::varchar as status,
        created_at::timestamp as created_at,
        coalesce(first_dispatched_at, dispatched_at)::timestamp as dispatched_at,
        coalesce(flow_accepted_at, accepted_at)::timestamp as accepted_at,
        due_at::timestamp as due_at,
        coalesce(flow_closed_at, closed_at)::timestamp as closed_at,
        archived_at::timestamp as archived_at,
        date_trunc('month', created_at)::date as created_month,
        returns::bigint as returns,
        extensions::bigint as extensions,
        (status in ('已办结', '已归档'))::boolean as is_closed,
        {{ closed_on_time('coalesce(flow_closed_at, closed_at)', 'due_at') }}::boolean as is_closed_on_time,
        (
            coalesce(flow_closed_at, closed_at) > due_at
            or (coalesce(flow_closed_at, closed_at) is null and due_at < as_of_at)
        )::boolean as is_overdue,
        -- durations from the flow: waiting for dispatch, for acceptance after the last (re)dispatch, handling
        (date_diff('second', created_at, first_dispatched_at) / 3600.0)::double as dispatch_hours,
        (date_diff('second', last_dispatched_at, flow_accepted_at) / 3600.0)::double as accept_hours,
        (date_diff('second', flow_accepted_at, flow_closed_at) / 3600.0)::double as handling_hours,
        (date_diff('second', created_at, coalesce(flow_closed_at, closed_at)) / 3600.0)::double as total_hours
    from joined
)

select * from final
