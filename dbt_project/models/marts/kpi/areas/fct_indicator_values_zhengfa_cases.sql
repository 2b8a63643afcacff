-- zhengfa.e_dossiers and court.* indicators for the kpi mart, for the district (neither source carries a street):
-- per calendar year and month. Rates are in % with their numerator and denominator.
-- the guard wraps the whole model: its body keeps the indentation it has without it
-- sqlfluff:indentation:template_blocks_indent:false
{% if kpi_inputs_built([
    'agg_court_monthly',
    'fct_zhengfa_e_dossiers',
]) %}

with

dossiers as (
    select * from {{ ref('fct_zhengfa_e_dossiers') }}
),

court as (
    select * from {{ ref('agg_court_monthly') }}
),

district as (
    select distinct district_code from {{ ref('ref_streets') }}
),

-- e-dossiers: the dossier exists once the police transfer the case for prosecution (移送审查起诉)
dossier_rows as (
    select
        'zhengfa.e_dossiers' as indicator_code,
        unnest([year(transferred_at)::varchar, strftime(transferred_at, '%Y-%m')]) as period,
        1.0 as numerator,
        null::double as denominator
    from dossiers
    where transferred_at is not null
),

court_periods as (
    select
        *,
        unnest([year(month)::varchar, strftime(month, '%Y-%m')]) as period
    from court
),

court_rows as (
    select
        'court.e_service_rate' as indicator_code,
        period,
        services_electronic::double as numerator,
        services_total::double as denominator
    from court_periods
    union all
    select
        'court.transcripts' as indicator_code,
        period,
        ai_transcripts::double as numerator,
        null::double as denominator
    from court_periods
    union all
    select
        'court.transcript_accuracy' as indicator_code,
        period,
        ai_transcripts_accurate::double as numerator,
        ai_transcripts::double as denominator
    from court_periods
),

summable_rows as (
    select * from dossier_rows
    union all
    select * from court_rows
),

summed as (
    select
        indicator_code,
        period,
        sum(numerator) as numerator,
        sum(denominator) as denominator
    from summable_rows
    group by all
),

-- mean days to the first successful service, per year; days saved = the year before's mean − this year's
first_service_years as (
    select
        year(month) as year,
        sum(first_service_days_total) / nullif(sum(first_service_cases), 0) as mean_days
    from court
    group by all
),

days_saved as (
    select
        'court.first_service_days_saved' as indicator_code,
        this_year.year::varchar as period,
        year_before.mean_days - this_year.mean_days as value,
        -- a difference of two means: no numerator/denominator pair gives it
        null::double as numerator,
        null::double as denominator
    from first_service_years as this_year
    inner join first_service_years as year_before on this_year.year - 1 = year_before.year
),

-- cases closed in the AI-assisted trial's launch month vs the same month a year before: the increase over the
-- year-before figure, for the launch year and for the launch month itself
launch_yoy as (
    select
        'court.closed_yoy_launch_month' as indicator_code,
        unnest([year(month)::varchar, strftime(month, '%Y-%m')]) as period,
        (cases_closed - cases_closed_prior_year)::double as numerator,
        cases_closed_prior_year::double as denominator
    from court
    where is_ai_trial_launch_month and cases_closed_prior_year is not null
),

rated as (
    select
        indicator_code,
        period,
        case
            when indicator_code in ('court.e_service_rate', 'court.transcript_accuracy')
                then 100 * numerator / nullif(denominator, 0)
            else numerator
        end as value,
        numerator,
        denominator
    from summed
    where indicator_code != 'court.transcript_accuracy' or denominator > 0
    union all
    select
        indicator_code,
        period,
        value,
        numerator,
        denominator
    from days_saved
    union all
    select
        indicator_code,
        period,
        100 * numerator / nullif(denominator, 0) as value,
        numerator,
        denominator
    from launch_yoy
),

final as (
    select
        rated.indicator_code::varchar as indicator_code,
        rated.period::varchar as period,
        district.district_code::varchar as area_code,
        rated.value::double as value,
        rated.numerator::double as numerator,
        rated.denominator::double as denominator
    from rated
    cross join district
)

select * from final

{% else %}

{{ kpi_no_rows() }}

{% endif %}
