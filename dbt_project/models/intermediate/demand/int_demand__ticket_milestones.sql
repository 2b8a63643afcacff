-- One row per ticket with the milestones of its flow (dispatch, contact, closes, returns, reopenings ...), shared by
-- fct_tickets (flags) and the KPI. A table, incremental: an incremental run re-derives only the tickets whose flows
-- arrived since the last run (all of each such ticket's flows, since milestones span them).
{{ config(
    materialized='incremental',
    unique_key='ticket_id',
    incremental_strategy='delete+insert',
    on_schema_change='append_new_columns',
) }}

with

-- a CTE named twice is not materialised: DuckDB would copy the whole table to scope a day's rows
flows as not materialized (
    select * from {{ ref('stg_minyi__ticket_flows') }}
),

{% if is_incremental() -%}
    changed as (
        select distinct flows.ticket_id
        from flows
        where {{ arrived_since_last_run('flows.ingested_at', 'flows_ingested_at') }}
    ),

    scoped as (
        select flows.*
        from flows
        semi join changed on flows.ticket_id = changed.ticket_id
    ),
{%- else -%}
    scoped as (
        select * from flows
    ),
{%- endif %}

milestones as (
    select
        ticket_id,
        min(step_at) filter (where step = 'dispatch') as first_dispatched_at,
        min(step_at) filter (where step = 'accept') as accepted_at,
        min(step_at) filter (where step = 'first_contact') as first_contact_at,
        min(step_at) filter (where step = 'close') as first_closed_at,
        max(step_at) filter (where step = 'close') as last_closed_at,
        list_sort(list(step_at) filter (where step = 'close')) as closed_times,
        count(*) filter (where step = 'dispatch') as dispatches,
        count(*) filter (where step = 'extend') as extensions,
        count(*) filter (where step = 'return') as returns,
        count(*) filter (where step = 'reopen') as reopens,
        count(*) filter (where step = 'supervise') as supervisions,
        count(*) filter (where step = 'visit') as visits,
        count(*) as flow_steps,
        max(ingested_at) as flows_ingested_at
    from scoped
    group by ticket_id
),

-- 形式办结 evidence from the flow itself: a reopening within 7 days after a close
reopened_after_close as (
    select distinct reopens.ticket_id
    from scoped as reopens
    inner join scoped as closes
        on
            reopens.ticket_id = closes.ticket_id
            and closes.step = 'close'
            and reopens.step_at >= closes.step_at
            and reopens.step_at <= closes.step_at + interval 7 day
    where reopens.step = 'reopen'
),

final as (
    select
        milestones.*,
        reopened_after_close.ticket_id is not null as is_reopened_within_7d_of_close
    from milestones
    left join reopened_after_close on milestones.ticket_id = reopened_after_close.ticket_id
)

select * from final
