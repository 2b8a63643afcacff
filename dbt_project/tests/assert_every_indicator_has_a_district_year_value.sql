-- The kpi mart covers the whole catalogue: every indicator has a value for the district in some year, unless a
-- source it needs has delivered nothing yet (fct_indicator_availability names it). An indicator without a value
-- whose sources all delivered is either a broken formula or a lake still filling (Airflow builds after the first
-- ingests of a burst; a source's rarer entities arrive later): a warning, not an error, so a partial lake still
-- publishes every indicator it has. Broken formulas are caught by the unit tests and by `govlake kpi --reconcile`.
{{ config(severity='warn') }}
select availability.indicator_code
from {{ ref('fct_indicator_availability') }} as availability
left join {{ ref('fct_indicator_values') }} as kpi
    on
        availability.indicator_code = kpi.indicator_code
        and kpi.area_code = '440309'
        and kpi.period_type = 'year'
        and kpi.value is not null
where kpi.indicator_code is null and availability.missing_sources is null
