-- the court's monthly figures over all tribunals: 飞鸽 e-service rate, days to the first successful service,
-- 灵犀 AI transcripts and their accuracy, cases closed and their change on the same month a year before
with

monthly as (
    select * from {{ ref('int_zhengfa_cases__court_monthly') }}
),

final as (
    select
        month::date as month,
        cases_filed::bigint as cases_filed,
        cases_closed::bigint as cases_closed,
        cases_closed_prior_year::bigint as cases_closed_prior_year,
        cases_closed_yoy::double as cases_closed_yoy,
        services_total::bigint as services_total,
        services_electronic::bigint as services_electronic,
        (services_electronic / nullif(services_total, 0))::double as e_service_rate,
        first_service_cases::bigint as first_service_cases,
        first_service_days_total::bigint as first_service_days_total,
        (first_service_days_total / nullif(first_service_cases, 0))::double as first_service_mean_days,
        ai_transcripts::bigint as ai_transcripts,
        ai_transcripts_accurate::bigint as ai_transcripts_accurate,
        (ai_transcripts_accurate / nullif(ai_transcripts, 0))::double as transcript_accuracy,
        recheck_persons::bigint as recheck_persons,
        recheck_asset_clues::bigint as recheck_asset_clues,
        tribunals_reported::bigint as tribunals_reported,
        is_ai_trial_launch_month::boolean as is_ai_trial_launch_month
    from monthly
)

select * from final
