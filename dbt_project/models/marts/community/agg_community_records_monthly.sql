{{ config(
    materialized='incremental',
    unique_key=['month', 'app_id'],
    incremental_strategy='delete+insert',
    on_schema_change='fail'
) }}

-- records added per app and month, placed in the app's community; counts of an app that is not in staging
-- (quarantined for its own defect) keep a null community: they still count for the district
with

counts as (
    select * from {{ ref('stg_community__app_record_counts') }}
),

apps as (
    select * from {{ ref('stg_community__apps') }}
),

-- the (month, group) pairs that rows ingested since the last run touch, and their rows
{{ community_touched_months('counts', 'app_id') }},

monthly as (
    select
        month,
        app_id,
        sum(records_added) as records_added,
        count(*) filter (where records_added > 0) as active_days,
        max(ingested_at) as last_ingested_at
    from scoped
    group by all
),

final as (
    select
        monthly.month::date as month,
        monthly.app_id::varchar as app_id,
        apps.community_code::varchar as community_code,
        apps.street_code::varchar as street_code,
        monthly.records_added::bigint as records_added,
        monthly.active_days::bigint as active_days,
        monthly.last_ingested_at::timestamp as last_ingested_at
    from monthly
    left join apps on monthly.app_id = apps.app_id
)

select * from final
