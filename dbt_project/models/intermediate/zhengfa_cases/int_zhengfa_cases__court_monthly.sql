-- the court's monthly totals over its tribunals, with the same month a year before, and the AI-assisted trial's
-- launch month: taken from the variable `court_ai_trial_launch_month` when set, otherwise read from the data as
-- the month whose cases closed grew most on the year before (the launch is the one break in the series)
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
    {%- set configured = var('court_ai_trial_launch_month', none) %}
    {%- if configured %}
        select strptime('{{ configured }}' || '-01', '%Y-%m-%d')::date as launch_month
    {%- else %}
        select arg_max(month, cases_closed_yoy) as launch_month
        from with_prior
        where cases_closed_yoy is not null
    {%- endif %}
),

final as (
    select
        with_prior.*,
        coalesce(with_prior.month = launch.launch_month, false) as is_ai_trial_launch_month
    from with_prior
    cross join launch
)

select * from final
