-- the court's monthly totals over its tribunals, with the same month a year before, and the AI-assisted trial's
-- launch month (上线当月): a fact of the court's rollout that no monthly report carries, so it is configured — the
-- variable `court_ai_trial_launch_month` (YYYY-MM, default 2024-07, the month the system went live in Longhua).
-- It is not guessed from the data: the month whose cases closed grew most on the year before is the launch only
-- when the launch's jump outgrows the month-to-month noise; with a few cases a month (a small court, or a small
-- simulation) another month wins (at scale 0.002 September 2024, 4 → 13 cases closed, instead of July's 5 → 7)
with

reports as (
    select * from {{ ref('stg_zhengfa_files__court_monthly') }}
),

monthly as (
    select
        month_start as month,
        stat_month,
        sum(cases_filed) as cases_filed,
        sum(cases_closed) as cases_closed,
        sum(services_total) as services_total,
        sum(services_electronic) as services_electronic,
        sum(first_service_cases) as first_service_cases,
        sum(first_service_days_total) as first_service_days_total,
        sum(ai_transcripts) as ai_transcripts,
        sum(ai_transcripts_accurate) as ai_transcripts_accurate,
        sum(recheck_persons) as recheck_persons,
        sum(recheck_asset_clues) as recheck_asset_clues,
        count(*) as tribunals_reported
    from reports
    group by all
),

with_prior as (
    select
        monthly.*,
        year_before.cases_closed as cases_closed_prior_year,
        (monthly.cases_closed - year_before.cases_closed) / nullif(year_before.cases_closed, 0) as cases_closed_yoy
    from monthly
    left join monthly as year_before on monthly.month - interval 1 year = year_before.month
),

launch as (
    {%- set launch_month = (var('court_ai_trial_launch_month', '2024-07') | string).replace("'", "''") %}
    -- anything but a YYYY-MM month stops the build, saying what it got
    select
        coalesce(
            try_strptime('{{ launch_month }}', '%Y-%m'),
            error('var court_ai_trial_launch_month must be YYYY-MM (e.g. 2024-07), got ''{{ launch_month }}''')
        )::date as launch_month
),

final as (
    select
        with_prior.*,
        coalesce(with_prior.month = launch.launch_month, false) as is_ai_trial_launch_month
    from with_prior
    cross join launch
)

select * from final
