with

tickets as (
    select * from {{ ref('stg_minyi__tickets') }}
),

channels as (
    select * from {{ ref('stg_minyi__channels') }}
),

milestones as (
    select * from {{ ref('int_demand__ticket_milestones') }}
),

-- the data's own clock: a ticket is due once its due time has passed by the latest update received
data_clock as (
    select max(updated_at) as as_of from tickets
),

joined as (
    select
        tickets.ticket_id,
        tickets.channel_code,
        channels.is_self_collected,
        tickets.category_code,
        tickets.street_code,
        tickets.community_code,
        tickets.caller_key,
        tickets.status,
        tickets.created_at,
        tickets.dispatched_at,
        milestones.first_contact_at,
        tickets.due_at,
        tickets.closed_at,
        coalesce(milestones.extensions, 0) as extensions,
        coalesce(milestones.returns, 0) as returns,
        data_clock.as_of
    from tickets
    cross join data_clock
    left join channels on tickets.channel_code = channels.channel_code
    left join milestones on tickets.ticket_id = milestones.ticket_id
),

flagged as (
    select
        ticket_id,
        channel_code,
        is_self_collected,
        category_code,
        street_code,
        community_code,
        caller_key,
        status,
        created_at,
        dispatched_at,
        first_contact_at,
        due_at,
        closed_at,
        extensions,
        returns,
        date_trunc('month', created_at)::date as created_month,
        date_trunc('month', due_at)::date as due_month,
        due_at is not null and due_at <= as_of as is_due,
        {{ closed_on_time('closed_at', 'due_at') }} as is_closed_on_time,
        (closed_at is not null and closed_at > due_at)
        or (closed_at is null and due_at < as_of) as is_overdue,
        first_contact_at is not null
        and first_contact_at <= dispatched_at + interval 24 hour as is_responded_in_24h,
        date_diff('second', dispatched_at, first_contact_at) / 3600.0 as response_hours,
        date_diff('second', created_at, closed_at) / 3600.0 as handling_hours
    from joined
)

select * from flagged
