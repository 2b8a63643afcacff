-- a month re-sent as monthly_YYYY-MM_r2.csv (报送版本 2) replaces the whole month: the latest version wins
with

bronze as (
    {{ committed_bronze('bronze_zhengfa_files', 'court_monthly') }}
),

latest as (
    select *
    from bronze
    {{ latest_by('stat_month, court_code, tribunal', 'report_version desc, reported_at desc, _ingested_at desc') }}
),

renamed as (
    select
        stat_month || '|' || court_code || '|' || tribunal as report_row_id,
        stat_month,
        strptime(stat_month || '-01', '%Y-%m-%d')::date as month_start,
        court_code,
        tribunal,
        cases_filed,
        cases_closed,
        services_total,
        services_electronic,
        first_service_cases,
        first_service_days_total,
        ai_transcripts,
        ai_transcripts_accurate,
        recheck_persons,
        recheck_asset_clues,
        report_version,
        reported_at,
        _batch_id as batch_id,
        _ingested_at as ingested_at
    from latest
)

select * from renamed
