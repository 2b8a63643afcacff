{{ config(
    materialized='incremental',
    unique_key=['month', 'community_code'],
    incremental_strategy='delete+insert',
    on_schema_change='fail'
) }}

-- 日常工作线上化率 per community and month: items handled online ÷ all work items (summed, not averaged per day)
with

work as (
    select * from {{ ref('stg_community__work_stats') }}
),

communities as (
    select * from {{ ref('ref_communities') }}
),

-- the (month, group) pairs that rows ingested since the last run touch, and their rows
{{ community_touched_months('work', 'community_code') }},

monthly as (
    select
        month,
        community_code,
        count(*) as days_reported,
        sum(items_total) as items_total,
        sum(items_online) as items_online,
        max(ingested_at) as last_ingested_at
    from scoped
    group by all
),

final as (
    select
        monthly.month::date as month,
        monthly.community_code::varchar as community_code,
        communities.street_code::varchar as street_code,
        monthly.days_reported::bigint as days_reported,
        monthly.items_total::bigint as items_total,
        monthly.items_online::bigint as items_online,
        (monthly.items_online / nullif(monthly.items_total, 0))::double as online_ratio,
        monthly.last_ingested_at::timestamp as last_ingested_at
    from monthly
    left join communities on monthly.community_code = communities.community_code
)

select * from final
