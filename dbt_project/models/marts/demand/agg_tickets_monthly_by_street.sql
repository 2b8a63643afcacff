-- tickets are counted in the month they were created; the on-time rate counts tickets in the month they fell due
-- (the same date basis as agg_tickets_monthly, which it sums per street)
with

monthly as (
    select * from {{ ref('agg_tickets_monthly') }}
),

streets as (
    select * from {{ ref('ref_streets') }}
),

by_street as (
    select
        month,
        street_code,
        sum(tickets) as tickets,
        sum(citizen_tickets) as citizen_tickets,
        sum(self_collected_tickets) as self_collected_tickets,
        sum(tickets_due) as tickets_due,
        sum(closed_on_time) as closed_on_time
    from monthly
    group by month, street_code
),

final as (
    select
        by_street.month::date as month,
        by_street.street_code::varchar as street_code,
        streets.street_name::varchar as street_name,
        by_street.tickets::bigint as tickets,
        by_street.citizen_tickets::bigint as citizen_tickets,
        by_street.self_collected_tickets::bigint as self_collected_tickets,
        by_street.tickets_due::bigint as tickets_due,
        by_street.closed_on_time::bigint as closed_on_time,
        (by_street.closed_on_time / nullif(by_street.tickets_due, 0))::double as on_time_closure_rate
    from by_street
    inner join streets on by_street.street_code = streets.street_code
)

select * from final
