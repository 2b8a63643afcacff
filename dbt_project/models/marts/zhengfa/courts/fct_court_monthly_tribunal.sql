-- the court's monthly report rows (latest report version) per tribunal, with the rates they give
with

reports as (
    select * from {{ ref('stg_zhengfa_files__court_monthly') }}
),

final as (
    select
        report_row_id::varchar as report_row_id,
        month_start::date as month,
        court_code::varchar as court_code,
        tribunal::varchar as tribunal,
        cases_filed::bigint as cases_filed,
        cases_closed::bigint as cases_closed,
        services_total::bigint as services_total,
        services_electronic::bigint as services_electronic,
        (services_electronic / nullif(services_total, 0))::double as e_service_rate,
        first_service_cases::bigint as first_service_cases,
        first_service_days_total::bigint as first_service_days_total,
        (first_service_days_total / nullif(first_service_cases, 0))::double as first_service_mean_days,
        ai_transcripts::bigint as ai_transcripts,
        ai_transcripts_accurate::bigint as ai_transcripts_accurate,
        recheck_persons::bigint as recheck_persons,
        recheck_asset_clues::bigint as recheck_asset_clues,
        report_version::integer as report_version,
        reported_at::timestamp as reported_at
    from reports
)

select * from final
