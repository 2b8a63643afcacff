-- community.* indicators for the kpi mart: per calendar year and month, for the district and each street.
-- community.apps is a stock (apps built by the end of the year); records and the online ratio are flows.
-- the guard wraps the whole model: its body keeps the indentation it has without it
-- sqlfluff:indentation:template_blocks_indent:false
{% if kpi_inputs_built([
    'agg_community_online_ratio_monthly',
    'agg_community_records_monthly',
    'dim_community_apps',
]) %}

with

apps as (
    select * from {{ ref('dim_community_apps') }}
),

records as (
    select * from {{ ref('agg_community_records_monthly') }}
),

online as (
    select * from {{ ref('agg_community_online_ratio_monthly') }}
),

streets as (
    select * from {{ ref('ref_streets') }}
),

district as (
    select distinct district_code from streets
),

-- the years the community reports on: those its daily statistics are dated in
years as (
    select distinct year(month) as year from records
    union
    select distinct year(month) as year from online
),

apps_by_year as (
    select
        'community.apps' as indicator_code,
        years.year::varchar as period,
        apps.street_code,
        1.0 as numerator,
        null::double as denominator
    from years
    inner join apps on year(apps.created_at) <= years.year
),

record_flows as (
    select
        'community.records' as indicator_code,
        month,
        street_code,
        records_added::double as numerator,
        null::double as denominator
    from records
),

online_flows as (
    select
        'community.online_ratio' as indicator_code,
        month,
        street_code,
        items_online::double as numerator,
        items_total::double as denominator
    from online
),

flows as (
    select * from record_flows
    union all
    select * from online_flows
),

flow_rows as (
    select
        indicator_code,
        street_code,
        numerator,
        denominator,
        unnest([year(month)::varchar, strftime(month, '%Y-%m')]) as period
    from flows
),

all_rows as (
    select
        indicator_code,
        period,
        street_code,
        numerator,
        denominator
    from apps_by_year
    union all
    select
        indicator_code,
        period,
        street_code,
        numerator,
        denominator
    from flow_rows
),

-- each row counts for the district, and for its street where it has one
by_area as (
    select
        all_rows.indicator_code,
        all_rows.period,
        district.district_code as area_code,
        sum(all_rows.numerator) as numerator,
        sum(all_rows.denominator) as denominator
    from all_rows
    cross join district
    group by all

    union all

    select
        indicator_code,
        period,
        street_code as area_code,
        sum(numerator) as numerator,
        sum(denominator) as denominator
    from all_rows
    where street_code is not null
    group by all
),

final as (
    select
        indicator_code::varchar as indicator_code,
        period::varchar as period,
        area_code::varchar as area_code,
        case
            when indicator_code = 'community.online_ratio' then 100 * numerator / nullif(denominator, 0)
            else numerator
        end::double as value,
        numerator::double as numerator,
        denominator::double as denominator
    from by_area
)

select * from final

{% else %}

{{ kpi_no_rows() }}

{% endif %}
