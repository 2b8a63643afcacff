{{
    config(
        materialized='incremental',
        unique_key='participation_id',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
    )
}}
-- 群防群治参与: one row per volunteer sign-in. Incremental: a run takes the sign-ins (and the sign-ins of activities)
-- received since the last run and replaces them by participation id, so a day's run costs the day's batches. Each
-- row carries the run that wrote it (built_at): a daily build tests, and a publish copies, only those rows.
with

participations as (
    select * from {{ ref('stg_pingan__participations') }}
),

activities as (
    select * from {{ ref('stg_pingan__activities') }}
),

joined as (
    select
        participations.participation_id,
        participations.activity_id,
        participations.volunteer_id,
        activities.activity_type,
        activities.street_code,
        activities.community_code,
        activities.grid_code,
        participations.checkin_at,
        participations.checkout_at,
        participations.service_hours,
        participations.confirmed_at,
        participations.ingested_at as participation_ingested_at,
        activities.ingested_at as activity_ingested_at
    from participations
    left join activities on participations.activity_id = activities.activity_id
),

final as (
    select
        participation_id::varchar as participation_id,
        activity_id::varchar as activity_id,
        volunteer_id::varchar as volunteer_id,
        activity_type::varchar as activity_type,
        street_code::varchar as street_code,
        community_code::varchar as community_code,
        grid_code::varchar as grid_code,
        checkin_at::timestamp as checkin_at,
        checkout_at::timestamp as checkout_at,
        date_trunc('month', checkin_at)::date as checkin_month,
        service_hours::double as service_hours,
        (service_hours is not null)::boolean as is_confirmed,
        confirmed_at::timestamp as confirmed_at,
        participation_ingested_at::timestamp as participation_ingested_at,
        activity_ingested_at::timestamp as activity_ingested_at,
        {{ build_started_at() }} as built_at
    from joined
    {% if is_incremental() %}
        -- one watermark per input (their batches arrive on their own clocks); the activity's updates (area, type)
        -- reach its sign-ins too. Both > , as every incremental mart: a batch's received time is to the second and
        -- a build takes longer, so no batch arrives in the second of one that a build already took. (>= re-took the
        -- last batch: after a first load of a whole year in one batch, every sign-in, rewritten and republished.)
        where
            {{ arrived_since_last_run('participation_ingested_at') }}
            or {{ arrived_since_last_run('activity_ingested_at') }}
    {% endif %}
)

select * from final
