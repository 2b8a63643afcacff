-- One row per follow-up visit rating (回访评价) of a ticket in fct_tickets, on the 5-level scale; satisfied means
-- 非常满意, 满意 or 基本满意 (our definition). The free-text comment and the call-back number stay in staging.
-- Incremental: a run re-derives the ratings of every ticket whose sources arrived since the last run (a ticket's
-- source_ingested_at covers its ratings, so new ratings are among them, and so are re-coded tickets). Each row
-- carries the run that wrote it (built_at): a daily build tests, and a publish copies, only those rows.
{{ config(
    materialized='incremental',
    unique_key='rating_id',
    incremental_strategy='delete+insert',
    on_schema_change='append_new_columns',
) }}

with

ratings as (
    select * from {{ ref('stg_minyi__ratings') }}
),

tickets as (
    select * from {{ ref('fct_tickets') }}
    where {{ arrived_since_last_run('source_ingested_at') }}
),

final as (
    select
        ratings.rating_id::varchar as rating_id,
        ratings.ticket_id::varchar as ticket_id,
        ratings.visit_round::integer as visit_round,
        ratings.visit_method::varchar as visit_method,
        ratings.satisfaction::varchar as satisfaction,
        (case ratings.satisfaction
            when '非常满意' then 5
            when '满意' then 4
            when '基本满意' then 3
            when '不满意' then 2
            when '非常不满意' then 1
        end)::integer as satisfaction_score,
        (ratings.satisfaction in ('非常满意', '满意', '基本满意'))::boolean as is_satisfied,
        ratings.is_resolved::boolean as is_resolved,
        ratings.rated_at::timestamp as rated_at,
        ratings.rated_at::date as rated_date,
        tickets.channel_code::varchar as channel_code,
        tickets.category_code::varchar as category_code,
        tickets.street_code::varchar as street_code,
        tickets.community_code::varchar as community_code,
        tickets.source_ingested_at::timestamp as source_ingested_at,
        {{ build_started_at() }} as built_at
    from ratings
    inner join tickets on ratings.ticket_id = tickets.ticket_id
)

select * from final
