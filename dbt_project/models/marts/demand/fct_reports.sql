-- One row per report: 专报 (special reports on concentrated demands) and 民生诉求分析报表 (daily, weekly and monthly
-- analysis reports, district-wide when street_code is null).
with

reports as (
    select * from {{ ref('stg_minyi__reports') }}
),

streets as (
    select * from {{ ref('ref_streets') }}
),

final as (
    select
        reports.report_id::varchar as report_id,
        reports.report_type::varchar as report_type,
        reports.period_type::varchar as period_type,
        reports.period_start::date as period_start,
        reports.period_end::date as period_end,
        reports.street_code::varchar as street_code,
        streets.street_name::varchar as street_name,
        reports.title::varchar as title,
        reports.ticket_count::integer as ticket_count,
        reports.issued_at::timestamp as issued_at,
        reports.issued_at::date as issued_date
    from reports
    left join streets on reports.street_code = streets.street_code
)

select * from final
