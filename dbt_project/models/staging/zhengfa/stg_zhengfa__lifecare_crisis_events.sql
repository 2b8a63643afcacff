-- HIGHLY SENSITIVE: the handler and the free-text note are dropped.
with

bronze as (
    {{ committed_bronze('bronze_zhengfa', 'lifecare_crisis_events') }}
),

latest as (
    select *
    from bronze
    {{ latest_by('event_id', 'updated_at desc, _ingested_at desc') }}
),

-- the dispatch desk re-submits a step under a new id (…-03R); a copy in a later batch than its original passes the
-- batch check, so keep the first-numbered row of each case and step
deduplicated as (
    select *
    from latest
    {{ latest_by('case_id, step', 'event_id') }}
),

renamed as (
    select
        event_id,
        case_id,
        step,
        step_at,
        updated_at,
        _batch_id as batch_id,
        _ingested_at as ingested_at
    from deduplicated
)

select * from renamed
