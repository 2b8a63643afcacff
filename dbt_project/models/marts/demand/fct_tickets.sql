-- One row per ticket (latest state) with every derived flag and duration (our definitions, docs/domain.md §3).
-- Incremental: tickets change state for weeks, so a daily run re-derives the tickets that demand_ticket_scope()
-- names (what arrived, what fell due, and their repeat groups).
{{ config(
    materialized='incremental',
    unique_key='ticket_id',
    incremental_strategy='delete+insert',
    on_schema_change='append_new_columns',
) }}

with

-- a CTE named twice is not materialised: DuckDB would copy the whole table to scope a day's rows
tickets as not materialized (
    select * from {{ ref('stg_minyi__tickets') }}
),

channels as (
    select * from {{ ref('stg_minyi__channels') }}
),

categories as (
    select * from {{ ref('ref_ticket_categories') }}
),

milestones as not materialized (
    select * from {{ ref('int_demand__ticket_milestones') }}
),

ratings as not materialized (
    select * from {{ ref('stg_minyi__ratings') }}
),

-- the data's own clock: a ticket is due once its due time has passed by the latest update received
data_clock as (
    select max(updated_at) as as_of from tickets
),

classified as not materialized (
    select
        tickets.*,
        categories.l1_code,
        categories.l2_code
    from tickets
    left join categories on tickets.category_code = categories.category_code
),

-- the tickets this run (re)derives: all of them on a full build, what changed on a daily one
-- (macros/demand/demand_ticket_scope.sql)
{{ demand_ticket_scope('tickets', 'classified', 'milestones', 'ratings', 'channels', 'data_clock') }},

-- repeat demand: the same caller, L2 class and community as an earlier ticket created at most 30 days before
-- (the later ticket is the repeat); the pool is every ticket of the scoped tickets' groups
repeat_groups as (
    select distinct
        caller_key,
        l2_code,
        community_code
    from scoped
    where caller_key is not null
),

repeat_pool as (
    select
        classified.ticket_id,
        classified.created_at,
        classified.caller_key,
        classified.l2_code,
        classified.community_code
    from classified
    semi join repeat_groups
        on
            classified.caller_key = repeat_groups.caller_key
            and classified.l2_code = repeat_groups.l2_code
            and classified.community_code = repeat_groups.community_code
),

previous_in_group as (
    select
        ticket_id,
        created_at,
        lag(ticket_id) over by_group as previous_ticket_id,
        lag(created_at) over by_group as previous_created_at
    from repeat_pool
    window by_group as (partition by caller_key, l2_code, community_code order by created_at, ticket_id)
),

repeats as (
    select
        ticket_id,
        previous_ticket_id as repeat_of_ticket_id
    from previous_in_group
    where previous_created_at >= created_at - interval 30 day
),

scoped_ratings as (
    select ratings.*
    from ratings
    semi join scoped on ratings.ticket_id = scoped.ticket_id
),

-- the latest visit round stands for the ticket's outcome
rating_summary as (
    select
        ticket_id,
        count(*) as ratings,
        arg_max(satisfaction, visit_round) as satisfaction,
        arg_max(is_resolved, visit_round) as is_resolved,
        max(ingested_at) as ratings_ingested_at
    from scoped_ratings
    group by ticket_id
),

scoped_closes as (
    select
        milestones.ticket_id,
        unnest(milestones.closed_times) as closed_at
    from milestones
    semi join scoped on milestones.ticket_id = scoped.ticket_id
),

-- 形式办结 evidence from the visits: rated unresolved within 7 days after a close
rated_unresolved_after_close as (
    select distinct scoped_ratings.ticket_id
    from scoped_ratings
    inner join scoped_closes
        on
            scoped_ratings.ticket_id = scoped_closes.ticket_id
            and scoped_ratings.rated_at >= scoped_closes.closed_at
            and scoped_ratings.rated_at <= scoped_closes.closed_at + interval 7 day
    where not scoped_ratings.is_resolved
),

joined as (
    select
        scoped.ticket_id,
        scoped.channel_code,
        channels.is_self_collected,
        scoped.category_code,
        scoped.street_code,
        scoped.community_code,
        scoped.caller_key,
        scoped.status,
        scoped.created_at,
        scoped.dispatched_at,
        milestones.first_contact_at,
        scoped.due_at,
        scoped.closed_at,
        coalesce(milestones.extensions, 0) as extensions,
        coalesce(milestones.returns, 0) as returns,
        scoped.l1_code,
        scoped.l2_code,
        scoped.grid_code,
        scoped.department,
        coalesce(milestones.reopens, 0) as reopens,
        coalesce(milestones.supervisions, 0) as supervisions,
        milestones.first_closed_at,
        repeats.repeat_of_ticket_id,
        coalesce(rating_summary.ratings, 0) as ratings,
        rating_summary.satisfaction,
        rating_summary.is_resolved,
        coalesce(milestones.is_reopened_within_7d_of_close, false)
        or rated_unresolved_after_close.ticket_id is not null as is_formal_closure,
        scoped.updated_at,
        greatest(
            scoped.ingested_at, milestones.flows_ingested_at, rating_summary.ratings_ingested_at, channels.ingested_at
        ) as source_ingested_at,
        data_clock.as_of
    from scoped
    cross join data_clock
    left join channels on scoped.channel_code = channels.channel_code
    left join milestones on scoped.ticket_id = milestones.ticket_id
    left join repeats on scoped.ticket_id = repeats.ticket_id
    left join rating_summary on scoped.ticket_id = rating_summary.ticket_id
    left join rated_unresolved_after_close on scoped.ticket_id = rated_unresolved_after_close.ticket_id
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
        date_diff('second', created_at, closed_at) / 3600.0 as handling_hours,
        l1_code,
        l2_code,
        grid_code,
        department,
        created_at::date as created_date,
        due_at::date as due_date,
        dispatched_at is not null as is_dispatched,
        returns > 0 as is_returned,
        extensions > 0 as is_extended,
        reopens,
        reopens > 0 as is_reopened,
        supervisions,
        repeat_of_ticket_id is not null as is_repeat,
        repeat_of_ticket_id,
        ratings,
        satisfaction,
        ratings > 0 as is_rated,
        coalesce(satisfaction in ('非常满意', '满意', '基本满意'), false) as is_satisfied,
        coalesce(is_resolved, false) as is_rated_resolved,
        first_closed_at,
        is_formal_closure,
        updated_at,
        source_ingested_at,
        {{ build_started_at() }} as built_at
    from joined
)

select * from flagged
