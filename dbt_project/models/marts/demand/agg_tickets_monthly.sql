-- Per month × street × community × channel × category: the daily aggregate summed (same measures, same date basis:
-- creation month for the counts, due month for tickets_due, closed_on_time and overdue).
with

daily as (
    select * from {{ ref('agg_tickets_daily') }}
),

final as (
    select
        month,
        street_code,
        community_code,
        channel_code,
        category_code,
        sum(tickets)::bigint as tickets,
        sum(citizen_tickets)::bigint as citizen_tickets,
        sum(self_collected_tickets)::bigint as self_collected_tickets,
        sum(dispatched)::bigint as dispatched,
        sum(responded_in_24h)::bigint as responded_in_24h,
        sum(returned)::bigint as returned,
        sum(reopened)::bigint as reopened,
        sum(repeats)::bigint as repeats,
        sum(closed)::bigint as closed,
        sum(formal_closures)::bigint as formal_closures,
        sum(rated)::bigint as rated,
        sum(satisfied)::bigint as satisfied,
        sum(handling_seconds)::bigint as handling_seconds,
        sum(tickets_due)::bigint as tickets_due,
        sum(closed_on_time)::bigint as closed_on_time,
        sum(overdue)::bigint as overdue
    from daily
    group by month, street_code, community_code, channel_code, category_code
)

select * from final
