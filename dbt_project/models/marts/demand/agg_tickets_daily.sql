-- Per day × street × community × channel × category: ticket counts and the numerators and denominators of the
-- demand rates. Creation measures count tickets on the day they were created; tickets_due, closed_on_time and
-- overdue count them on the day they fell due (the on-time rate's period). A plain table: re-aggregating fct_tickets
-- takes well under a second, cheaper than tracking which days an incremental run touched.
with

tickets as (
    select * from {{ ref('fct_tickets') }}
),

created as (
    select
        created_date as date,
        street_code,
        community_code,
        channel_code,
        category_code,
        count(*) as tickets,
        count(*) filter (where not is_self_collected) as citizen_tickets,
        count(*) filter (where is_self_collected) as self_collected_tickets,
        count(*) filter (where is_dispatched) as dispatched,
        count(*) filter (where is_responded_in_24h) as responded_in_24h,
        count(*) filter (where is_returned) as returned,
        count(*) filter (where is_reopened) as reopened,
        count(*) filter (where is_repeat) as repeats,
        count(*) filter (where closed_at is not null) as closed,
        count(*) filter (where is_formal_closure) as formal_closures,
        count(*) filter (where is_rated) as rated,
        count(*) filter (where is_satisfied) as satisfied,
        sum(date_diff('second', created_at, closed_at)) as handling_seconds
    from tickets
    group by all
),

due as (
    select
        due_date as date,
        street_code,
        community_code,
        channel_code,
        category_code,
        count(*) as tickets_due,
        count(*) filter (where is_closed_on_time) as closed_on_time,
        count(*) filter (where is_overdue) as overdue
    from tickets
    where is_due
    group by all
),

combined as (
    select
        coalesce(created.date, due.date) as date,
        coalesce(created.street_code, due.street_code) as street_code,
        coalesce(created.community_code, due.community_code) as community_code,
        coalesce(created.channel_code, due.channel_code) as channel_code,
        coalesce(created.category_code, due.category_code) as category_code,
        created.* exclude (date, street_code, community_code, channel_code, category_code),
        due.* exclude (date, street_code, community_code, channel_code, category_code)
    from created
    full outer join due
        on
            created.date = due.date
            and created.street_code = due.street_code
            and created.community_code = due.community_code
            and created.channel_code = due.channel_code
            and created.category_code = due.category_code
),

final as (
    select
        date::date as date,
        date_trunc('month', date)::date as month,
        street_code::varchar as street_code,
        community_code::varchar as community_code,
        channel_code::varchar as channel_code,
        category_code::varchar as category_code,
        coalesce(tickets, 0)::bigint as tickets,
        coalesce(citizen_tickets, 0)::bigint as citizen_tickets,
        coalesce(self_collected_tickets, 0)::bigint as self_collected_tickets,
        coalesce(dispatched, 0)::bigint as dispatched,
        coalesce(responded_in_24h, 0)::bigint as responded_in_24h,
        coalesce(returned, 0)::bigint as returned,
        coalesce(reopened, 0)::bigint as reopened,
        coalesce(repeats, 0)::bigint as repeats,
        coalesce(closed, 0)::bigint as closed,
        coalesce(formal_closures, 0)::bigint as formal_closures,
        coalesce(rated, 0)::bigint as rated,
        coalesce(satisfied, 0)::bigint as satisfied,
        coalesce(handling_seconds, 0)::bigint as handling_seconds,
        coalesce(tickets_due, 0)::bigint as tickets_due,
        coalesce(closed_on_time, 0)::bigint as closed_on_time,
        coalesce(overdue, 0)::bigint as overdue
    from combined
)

select * from final
