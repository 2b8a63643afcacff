-- tickets are counted in the month they were created; the on-time rate counts tickets in the month they fell due
with

tickets as (
    select * from {{ ref('fct_tickets') }}
),

streets as (
    select * from {{ ref('ref_streets') }}
),

created as (
    select
        created_month as month,
        street_code,
        count(*) as tickets,
        count(*) filter (where not is_self_collected) as citizen_tickets,
        count(*) filter (where is_self_collected) as self_collected_tickets
    from tickets
    group by all
),

due as (
    select
        due_month as month,
        street_code,
        count(*) as tickets_due,
        count(*) filter (where is_closed_on_time) as closed_on_time
    from tickets
    where is_due
    group by all
),

combined as (
    select
        coalesce(created.month, due.month) as month,
        coalesce(created.street_code, due.street_code) as street_code,
        coalesce(created.tickets, 0) as tickets,
        coalesce(created.citizen_tickets, 0) as citizen_tickets,
        coalesce(created.self_collected_tickets, 0) as self_collected_tickets,
        coalesce(due.tickets_due, 0) as tickets_due,
        coalesce(due.closed_on_time, 0) as closed_on_time
    from created
    full outer join due
        on created.month = due.month and created.street_code = due.street_code
),

final as (
    select
        combined.month::date as month,
        combined.street_code::varchar as street_code,
        streets.street_name::varchar as street_name,
        combined.tickets::bigint as tickets,
        combined.citizen_tickets::bigint as citizen_tickets,
        combined.self_collected_tickets::bigint as self_collected_tickets,
        combined.tickets_due::bigint as tickets_due,
        combined.closed_on_time::bigint as closed_on_time,
        (combined.closed_on_time / nullif(combined.tickets_due, 0))::double as on_time_closure_rate
    from combined
    inner join streets on combined.street_code = streets.street_code
)

select * from final
