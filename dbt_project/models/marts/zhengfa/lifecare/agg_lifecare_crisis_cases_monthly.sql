-- crisis cases only as counts per month, street and source: no case, person or place leaves the restricted zone
with

cases as (
    select * from {{ ref('stg_zhengfa__lifecare_crisis_cases') }}
),

streets as (
    select * from {{ ref('ref_streets') }}
),

counted as (
    select
        date_trunc('month', reported_at)::date as month,
        street_code,
        case_source,
        count(*) as cases,
        count(*) filter (where risk_level = '高危') as high_risk_cases,
        count(*) filter (where risk_level = '中危') as medium_risk_cases,
        count(*) filter (where risk_level = '低危') as low_risk_cases,
        count(*) filter (where status = '处置中') as cases_in_progress,
        count(*) filter (where status = '跟踪回访') as cases_following_up,
        count(*) filter (where status = '已结案') as cases_closed
    from cases
    group by all
),

final as (
    select
        counted.month::date as month,
        counted.street_code::varchar as street_code,
        streets.street_name::varchar as street_name,
        counted.case_source::varchar as case_source,
        counted.cases::bigint as cases,
        counted.high_risk_cases::bigint as high_risk_cases,
        counted.medium_risk_cases::bigint as medium_risk_cases,
        counted.low_risk_cases::bigint as low_risk_cases,
        counted.cases_in_progress::bigint as cases_in_progress,
        counted.cases_following_up::bigint as cases_following_up,
        counted.cases_closed::bigint as cases_closed
    from counted
    inner join streets on counted.street_code = streets.street_code
)

select * from final
