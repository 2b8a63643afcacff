-- Which indicators of the catalogue the indicator table carries, and why the others are missing. transform builds
-- the indicator table whatever source is missing (an area whose inputs are not built has no rows, see
-- macros/kpi/kpi_inputs.sql); this table names, per indicator, the source systems it needs that have delivered no
-- committed batch, so `govlake kpi`, the API and the dashboards can say "unavailable: <source> not ingested".
with

catalogue as (
    select * from {{ ref('dim_indicators') }}
),

kpi_values as (
    select * from {{ ref('fct_indicator_values') }}
),

batches as (
    select * from {{ ref('stg_lake__batches') }}
),

-- the source systems' names as users read them
system_names as (
    select
        system_name_values.source_system,
        system_name_values.system_name
    from (
        values
        ('minyi', '民意速办'),
        ('pingan', '深平安工作台'),
        ('video', '视频资源一本账'),
        ('community', '社区工作台'),
        ('zhengfa', '政法业务库'),
        ('zhengfa_files', '政法协同文件')
    ) as system_name_values (source_system, system_name)
),

delivered as (
    select distinct source_system
    from batches
    where batch_status = 'committed'
),

needed as (
    select
        catalogue.indicator_code,
        unnest(string_split(catalogue.source_systems, ' ')) as source_system
    from catalogue
),

missing as (
    select
        needed.indicator_code,
        string_agg(needed.source_system, ' ' order by needed.source_system) as missing_sources,
        string_agg(
            coalesce(system_names.system_name, needed.source_system) || '（' || needed.source_system || '）',
            '、' order by needed.source_system
        ) as missing_names
    from needed
    left join delivered on needed.source_system = delivered.source_system
    left join system_names on needed.source_system = system_names.source_system
    where delivered.source_system is null
    group by needed.indicator_code
),

-- an indicator is available when the table has its district value for some year
valued as (
    select
        indicator_code,
        count(distinct period) as periods,
        max(period) filter (where period_type = 'year') as latest_year
    from kpi_values
    where area_level = 'district' and value is not null
    group by indicator_code
),

final as (
    select
        catalogue.indicator_code::varchar as indicator_code,
        catalogue.catalogue_order::integer as catalogue_order,
        catalogue.indicator_name::varchar as indicator_name,
        catalogue.source_systems::varchar as source_systems,
        (case when valued.latest_year is not null then 'available' else 'unavailable' end)::varchar as status,
        (case
            when valued.latest_year is not null then null
            when missing.missing_sources is not null then '来源系统尚未接入数据：' || missing.missing_names
            else '来源数据中没有可计算该指标的记录'
        end)::varchar as reason,
        missing.missing_sources::varchar as missing_sources,
        coalesce(valued.periods, 0)::bigint as periods,
        valued.latest_year::varchar as latest_year
    from catalogue
    left join valued on catalogue.indicator_code = valued.indicator_code
    left join missing on catalogue.indicator_code = missing.indicator_code
)

select * from final
