{#- Ticket counts and the numerators and denominators of the demand rates from fct_tickets, per PERIOD_COLUMN and
    the GRAIN columns. Creation measures count a ticket in the period it was created (CREATED_PERIOD); tickets_due,
    closed_on_time and overdue count it in the period it fell due (DUE_PERIOD), the on-time rate's period. -#}
{% macro demand_ticket_aggregate(period_column, created_period, due_period, grain) -%}
    {%- set keys = [period_column] + grain -%}
with

tickets as (
    select * from {{ ref('fct_tickets') }}
),

created as (
    select
        {{ created_period }} as {{ period_column }},
        {{ grain | join(', ') }},
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
        {{ due_period }} as {{ period_column }},
        {{ grain | join(', ') }},
        count(*) as tickets_due,
        count(*) filter (where is_closed_on_time) as closed_on_time,
        count(*) filter (where is_overdue) as overdue
    from tickets
    where is_due
    group by all
),

combined as (
    select
        {%- for key in keys %}
        coalesce(created.{{ key }}, due.{{ key }}) as {{ key }},
        {%- endfor %}
        created.* exclude ({{ keys | join(', ') }}),
        due.* exclude ({{ keys | join(', ') }})
    from created
    full outer join due
        on
        {%- for key in keys %}
            {% if not loop.first %}and {% endif %}created.{{ key }} = due.{{ key }}
        {%- endfor %}
),

final as (
    select
        {{ period_column }}::date as {{ period_column }},
        {%- for key in grain %}
        {{ key }}::varchar as {{ key }},
        {%- endfor %}
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
{%- endmacro %}
