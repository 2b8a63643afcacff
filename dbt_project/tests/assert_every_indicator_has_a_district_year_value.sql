-- The kpi mart covers the whole catalogue: every indicator has a value for the district in some year.
select catalogue.indicator_code
from {{ ref('dim_indicators') }} as catalogue
left join {{ ref('fct_indicator_values') }} as kpi
    on
        catalogue.indicator_code = kpi.indicator_code
        and kpi.area_code = '440309'
        and kpi.period_type = 'year'
        and kpi.value is not null
where kpi.indicator_code is null
