-- dispatch steps only as counts per month, street and step, with how long after the report the step came (the
-- 24-hour dispatch's response times); steps of cases not in staging (quarantined) have no street and are left out
with

events as (
    select * from {{ ref('stg_zhengfa__lifecare_crisis_events') }}
),

cases as (
    select
        case_id,
        street_code,
        reported_at
    from {{ ref('stg_zhengfa__lifecare_crisis_cases') }}
),

streets as (
    select * from {{ ref('ref_streets') }}
),

counted as (
    select
        date_trunc('month', events.step_at)::date as month,
        cases.street_code,
        events.step,
        count(*) as events,
        count(distinct events.case_id) as cases,
        median(date_diff('second', cases.reported_at, events.step_at) / 60.0) as median_minutes_since_report
    from events
    inner join cases on events.case_id = cases.case_id
    group by all
),

final as (
    select
        counted.month::date as month,
        counted.street_code::varchar as street_code,
        streets.street_name::varchar as street_name,
        counted.step::varchar as step,
        counted.events::bigint as events,
        counted.cases::bigint as cases,
        counted.median_minutes_since_report::double as median_minutes_since_report
    from counted
    inner join streets on counted.street_code = streets.street_code
)

select * from final
