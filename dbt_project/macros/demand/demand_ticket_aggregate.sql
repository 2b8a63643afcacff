{#- Ticket counts and the numerators and denominators of the demand rates from fct_tickets, per PERIOD_COLUMN and
    the GRAIN columns. Creation measures count a ticket in the period it was created (CREATED_PERIOD); tickets_due,
    closed_on_time and overdue count it in the period it fell due (DUE_PERIOD), the on-time rate's period.
    Incremental (strategy replace_periods, macros/incremental/): a run recomputes the periods from
    demand_aggregate_since() on, which the models name as their config replace_periods_since, and writes only the
    rows that changed. Every row carries the run that wrote it (`built_at`): a daily build tests, and the publisher
    copies, only the rows it rewrote. -#}
{% macro demand_ticket_aggregate(period_column, created_period, due_period, grain) -%}
    {%- set keys = [period_column] + grain -%}
    {%- set since = demand_aggregate_since(period_column) if is_incremental() and execute else none %}
with

tickets as (
    select * from {{ ref('fct_tickets') }}
    {%- if since is not none %}
    where {{ created_period }} >= {{ since }} or {{ due_period }} >= {{ since }}
    {%- endif %}
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
        count(*) filter (where is_rated_resolved) as rated_resolved,
        sum(date_diff('second', created_at, closed_at)) as handling_seconds,
        max(source_ingested_at) as created_ingested_at
    from tickets
    {%- if since is not none %}
    where {{ created_period }} >= {{ since }}
    {%- endif %}
    group by all
),

due as (
    select
        {{ due_period }} as {{ period_column }},
        {{ grain | join(', ') }},
        count(*) as tickets_due,
        count(*) filter (where is_closed_on_time) as closed_on_time,
        count(*) filter (where is_overdue) as overdue,
        max(source_ingested_at) as due_ingested_at
    from tickets
    where
        is_due
        {%- if since is not none %}
        and {{ due_period }} >= {{ since }}
        {%- endif %}
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
        coalesce(rated_resolved, 0)::bigint as rated_resolved,
        coalesce(handling_seconds, 0)::bigint as handling_seconds,
        coalesce(tickets_due, 0)::bigint as tickets_due,
        coalesce(closed_on_time, 0)::bigint as closed_on_time,
        coalesce(overdue, 0)::bigint as overdue,
        greatest(created_ingested_at, due_ingested_at)::timestamp as source_ingested_at,
        {{ build_started_at() }} as built_at
    from combined
)

select * from final
{%- endmacro %}


{#- The first period an incremental run of the aggregate by PERIOD_COLUMN ('date' or 'month') must recompute, as a
    SQL date literal; none to recompute all. A ticket changes the aggregates only where it is counted: its creation
    period (creation times never change) and its due period (due times only move later than creation). So with
    ARRIVED the tickets whose sources arrived since the aggregate's watermark, every period from the earliest
    creation among them is recomputed; that also covers the tickets whose repeat flag an arrival changed (they were
    created later, within 30 days). The tickets that fell due since the last run (is_due, is_overdue) are due after
    the previous data clock, which is at least the latest update among the tickets that did not arrive. Runs at
    execution only, on an aggregate built by this code (changed code makes transform rebuild from scratch). -#}
{% macro demand_aggregate_since(period_column) -%}
    {%- set query -%}
        with

        previous as (
            select {{ last_run_watermark('source_ingested_at') }} as ingested_at
        ),

        tickets as (
            select * from {{ ref('fct_tickets') }}
        )

        select
            least(
                min(tickets.created_date) filter (where tickets.source_ingested_at > previous.ingested_at),
                max(tickets.updated_at) filter (where tickets.source_ingested_at <= previous.ingested_at)::date
            )::varchar as since
        from tickets
        cross join previous
    {%- endset -%}
    {%- set since = run_query(query).columns[0].values()[0] -%}
    {%- if since is none -%}
        {{ return(none) }}
    {%- elif period_column == 'month' -%}
        {{ return("date_trunc('month', '" ~ since ~ "'::date)::date") }}
    {%- else -%}
        {{ return("'" ~ since ~ "'::date") }}
    {%- endif -%}
{%- endmacro %}
