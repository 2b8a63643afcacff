{#- fct_tickets' scope: the CTEs ending in `scoped`, the rows of CLASSIFIED (the tickets with their L1/L2 codes) the run
    (re)derives. A full build derives every ticket. A daily build re-derives every ticket whose own row (TICKETS),
    flows (MILESTONES), ratings (RATINGS) or channel (CHANNELS) arrived since the last run, the tickets that fell due
    since the last run's data clock (DATA_CLOCK: is_due and is_overdue move with it), and every ticket sharing a
    repeat group (caller, L2 class, community) with an arrived ticket, before or after its change (a new or corrected
    ticket can make a neighbour a repeat, or stop it being one). The arguments name the model's CTEs. -#}
{% macro demand_ticket_scope(tickets, classified, milestones, ratings, channels, data_clock) -%}
{% if is_incremental() -%}
    previous as (
        select
            {{ last_run_watermark('source_ingested_at') }} as ingested_at,
            max(updated_at) as as_of
        from {{ this }}
    ),

    arrived as (
        select ticket_id from {{ tickets }}
        where ingested_at > (select previous.ingested_at from previous)
        union
        select ticket_id from {{ milestones }}
        where flows_ingested_at > (select previous.ingested_at from previous)
        union
        select ticket_id from {{ ratings }}
        where ingested_at > (select previous.ingested_at from previous)
        union
        select {{ tickets }}.ticket_id
        from {{ tickets }}
        semi join {{ channels }}
            on
                {{ tickets }}.channel_code = {{ channels }}.channel_code
                and {{ channels }}.ingested_at > (select previous.ingested_at from previous)
    ),

    fell_due as (
        select ticket_id from {{ tickets }}
        where
            due_at > (select previous.as_of from previous)
            and due_at <= (select {{ data_clock }}.as_of from {{ data_clock }})
    ),

    changed_groups as (
        select
            {{ classified }}.caller_key,
            {{ classified }}.l2_code,
            {{ classified }}.community_code
        from {{ classified }}
        semi join arrived on {{ classified }}.ticket_id = arrived.ticket_id
        union
        select
            kept.caller_key,
            kept.l2_code,
            kept.community_code
        from {{ this }} as kept
        semi join arrived on kept.ticket_id = arrived.ticket_id
    ),

    scope as (
        select ticket_id from arrived
        union
        select ticket_id from fell_due
        union
        select {{ classified }}.ticket_id
        from {{ classified }}
        semi join changed_groups
            on
                {{ classified }}.caller_key = changed_groups.caller_key
                and {{ classified }}.l2_code = changed_groups.l2_code
                and {{ classified }}.community_code = changed_groups.community_code
    ),

    scoped as (
        select {{ classified }}.*
        from {{ classified }}
        semi join scope on {{ classified }}.ticket_id = scope.ticket_id
    )
{%- else -%}
    scoped as (
        select * from {{ classified }}
    )
{%- endif %}
{%- endmacro %}
