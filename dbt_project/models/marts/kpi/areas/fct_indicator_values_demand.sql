-- The demand.* indicators (docs/domain.md §5) in the KPI contract shape, by calendar year and month of their event
-- date, for the district and each street (the rates and formal closures for each community too). Our definitions
-- (docs/domain.md §3), documented in _demand__models.yml.
-- Reads the demand marts, so that an indicator and its mart can never disagree.
-- the guard wraps the whole model: its body keeps the indentation it has without it
-- sqlfluff:indentation:template_blocks_indent:false
{% if kpi_inputs_built([
    'agg_tickets_monthly',
    'agg_tickets_monthly_by_street',
    'stg_minyi__channels',
]) %}
{%- set reinspection_columns = {'inspected_at': 'timestamp', 'street_code': 'varchar'} %}

with

district as (
    select any_value(district_code) as district_code from {{ ref('ref_streets') }}
),

-- per month and street: the KPIs need no finer grain (agg_tickets_monthly has about one row per two tickets)
monthly as (
    select * from {{ ref('agg_tickets_monthly_by_street') }}
),

-- tickets by the month they were created
created as (
    select
        monthly.month as event_at,
        monthly.street_code,
        district.district_code,
        monthly.tickets,
        monthly.self_collected_tickets,
        monthly.citizen_tickets
    from monthly
    cross join district
),

-- the rates of the 三率 family, per month, street and community: creation-month measures (response, satisfaction,
-- resolution, returns, repeats, formal closures) and due-month ones (overdue) sit on one row of agg_tickets_monthly
-- per month; each rate is sum(numerator) / sum(denominator) at every level, never an average of rates
by_community as (
    select
        rates.month as event_at,
        rates.street_code,
        rates.community_code,
        district.district_code,
        sum(rates.dispatched) as dispatched,
        sum(rates.responded_in_24h) as responded_in_24h,
        sum(rates.returned) as returned,
        sum(rates.citizen_tickets) as citizen_tickets,
        sum(rates.repeats) as repeats,
        sum(rates.rated) as rated,
        sum(rates.satisfied) as satisfied,
        sum(rates.rated_resolved) as rated_resolved,
        sum(rates.formal_closures) as formal_closures,
        sum(rates.tickets_due) as tickets_due,
        sum(rates.overdue) as overdue
    from {{ ref('agg_tickets_monthly') }} as rates
    cross join district
    group by rates.month, rates.street_code, rates.community_code, district.district_code
),

-- tickets by the month they fell due (only tickets already due by the data's clock are in tickets_due)
fell_due as (
    select
        monthly.month as event_at,
        monthly.street_code,
        district.district_code,
        monthly.tickets_due,
        monthly.closed_on_time
    from monthly
    cross join district
    where monthly.tickets_due > 0
),

-- a year's average runs over its months up to the latest month with tickets (a partial year over months so far)
months_elapsed as (
    select
        strftime(month, '%Y') as year_period,
        month(max(month)) as months
    from monthly
    where tickets > 0
    group by strftime(month, '%Y')
),

citizen_by_year as (
    {{ demand_kpi_rows('demand.citizen', 'created', 'sum(citizen_tickets)', 'sum(citizen_tickets)') }}
),

warnings as (
    select
        warnings.raised_at as event_at,
        warnings.street_code,
        district.district_code
    from {{ kpi_ref_or_empty('fct_warnings', {'raised_at': 'timestamp', 'street_code': 'varchar'}) }} as warnings
    cross join district
),

reports as (
    select
        reports.period_start as event_at,
        reports.street_code,
        district.district_code,
        reports.report_type
    from
        {{ kpi_ref_or_empty('fct_reports', {'period_start': 'date', 'street_code': 'varchar',
            'report_type': 'varchar'}) }} as reports
    cross join district
),

letters as (
    select
        letters.issued_at as event_at,
        null::varchar as street_code,
        district.district_code
    from {{ kpi_ref_or_empty('fct_letters', {'issued_at': 'timestamp'}) }} as letters
    cross join district
),

reinspections as (
    select
        reinspections.inspected_at as event_at,
        reinspections.street_code,
        district.district_code
    from {{ kpi_ref_or_empty('fct_field_reinspections', reinspection_columns) }} as reinspections
    cross join district
),

special_reports as (
    select * from reports
    where report_type = '专报'
),

analysis_reports as (
    select * from reports
    where report_type = '民生诉求分析报表'
),

-- the channel table is the platform's, not an event: counted for every year that has tickets
channels as (
    select
        'demand.channels' as indicator_code,
        months_elapsed.year_period as period,
        district.district_code as area_code,
        count(*)::double as value,
        count(*)::double as numerator,
        null::double as denominator
    from {{ ref('stg_minyi__channels') }}
    cross join months_elapsed
    cross join district
    group by months_elapsed.year_period, district.district_code
),

citizen_monthly_avg as (
    select
        'demand.citizen_monthly_avg' as indicator_code,
        citizen_by_year.period,
        citizen_by_year.area_code,
        round(citizen_by_year.numerator / months_elapsed.months, 1)::double as value,
        citizen_by_year.numerator,
        months_elapsed.months::double as denominator
    from citizen_by_year
    inner join months_elapsed on citizen_by_year.period = months_elapsed.year_period
),

unioned as (
    {{ demand_kpi_rows('demand.tickets', 'created', 'sum(tickets)', 'sum(tickets)') }}
    union all
    {{ demand_kpi_rows('demand.self_collected', 'created', 'sum(self_collected_tickets)',
        'sum(self_collected_tickets)') }}
    union all
    select * from citizen_by_year
    union all
    select * from citizen_monthly_avg
    union all
    {{ demand_kpi_rows('demand.on_time_closure_rate', 'fell_due', '100.0 * sum(closed_on_time) / sum(tickets_due)',
        'sum(closed_on_time)', 'sum(tickets_due)') }}
    union all
    select * from channels
    union all
    {{ demand_kpi_rows('demand.warnings', 'warnings', 'count(*)', 'count(*)') }}
    union all
    {{ demand_kpi_rows('demand.special_reports', 'special_reports', 'count(*)', 'count(*)') }}
    union all
    {{ demand_kpi_rows('demand.analysis_reports', 'analysis_reports', 'count(*)', 'count(*)') }}
    union all
    {{ demand_kpi_rows('demand.letters', 'letters', 'count(*)', 'count(*)') }}
    union all
    {{ demand_kpi_rows('demand.field_reinspections', 'reinspections', 'count(*)', 'count(*)') }}
    union all
    {{ demand_kpi_rows('demand.response_rate', 'by_community',
        '100.0 * sum(responded_in_24h) / nullif(sum(dispatched), 0)', 'sum(responded_in_24h)', 'sum(dispatched)',
        by_community=true) }}
    union all
    {{ demand_kpi_rows('demand.satisfaction_rate', 'by_community', '100.0 * sum(satisfied) / nullif(sum(rated), 0)',
        'sum(satisfied)', 'sum(rated)', by_community=true) }}
    union all
    {{ demand_kpi_rows('demand.resolution_rate', 'by_community',
        '100.0 * sum(rated_resolved) / nullif(sum(rated), 0)', 'sum(rated_resolved)', 'sum(rated)',
        by_community=true) }}
    union all
    {{ demand_kpi_rows('demand.return_rate', 'by_community', '100.0 * sum(returned) / nullif(sum(dispatched), 0)',
        'sum(returned)', 'sum(dispatched)', by_community=true) }}
    union all
    {{ demand_kpi_rows('demand.repeat_rate', 'by_community',
        '100.0 * sum(repeats) / nullif(sum(citizen_tickets), 0)', 'sum(repeats)', 'sum(citizen_tickets)',
        by_community=true) }}
    union all
    {{ demand_kpi_rows('demand.overdue_rate', 'by_community', '100.0 * sum(overdue) / nullif(sum(tickets_due), 0)',
        'sum(overdue)', 'sum(tickets_due)', by_community=true) }}
    union all
    {{ demand_kpi_rows('demand.suspected_formal_closures', 'by_community', 'sum(formal_closures)',
        'sum(formal_closures)', by_community=true) }}
),

-- a count of the source's rarer entities is 0 for every year with tickets when none has arrived, not missing
zero_counts as (
    select
        codes.indicator_code,
        months_elapsed.year_period as period,
        district.district_code as area_code,
        0::double as value,
        0::double as numerator,
        null::double as denominator
    from (
        values ('demand.warnings'), ('demand.special_reports'), ('demand.analysis_reports'), ('demand.letters'),
        ('demand.field_reinspections')
    ) as codes (indicator_code)
    cross join months_elapsed
    cross join district
    where not exists (
        select 1 from unioned
        where
            unioned.indicator_code = codes.indicator_code
            and unioned.period = months_elapsed.year_period
            and unioned.area_code = district.district_code
    )
),

final as (
    select
        indicator_code::varchar as indicator_code,
        period::varchar as period,
        area_code::varchar as area_code,
        value::double as value,
        numerator::double as numerator,
        denominator::double as denominator
    from (
        select * from unioned
        union all
        select * from zero_counts
    ) as indicator_rows
    -- a rate is defined where its denominator is not zero (no tickets fell due in a month that has not ended, say)
    where denominator is null or denominator > 0
)

select * from final

{% else %}

{{ kpi_no_rows() }}

{% endif %}
