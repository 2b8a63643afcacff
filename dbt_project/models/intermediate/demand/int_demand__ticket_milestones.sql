-- one row per ticket with the time of each milestone of its flow
with

flows as (
    select * from {{ ref('stg_minyi__ticket_flows') }}
),

milestones as (
    select
        ticket_id,
        min(step_at) filter (where step = 'first_contact') as first_contact_at,
        count(*) filter (where step = 'extend') as extensions,
        count(*) filter (where step = 'return') as returns
    from flows
    group by ticket_id
)

select * from milestones
