-- KPI contract rows of S10 法律监督 (the lead's kpi mart unions them).
-- supervision.models is a stock: the models built by the end of each year that has one, district only.
-- supervision.shijia_clues counts 失驾 clues in the year and month of the violation, for the district and the
-- subject's street.
-- the guard wraps the whole model: its body keeps the indentation it has without it
-- sqlfluff:indentation:template_blocks_indent:false
{% if kpi_inputs_built([
    'fct_shijia_clues',
    'stg_zhengfa__supervision_models',
]) %}

with

streets as (
    select * from {{ ref('ref_streets') }}
),

district as (
    select distinct district_code from streets
),

models as (
    select built_on from {{ ref('stg_zhengfa__supervision_models') }}
),

model_years as (
    select distinct year(built_on) as year_number from models
),

model_stock as (
    select
        'supervision.models' as indicator_code,
        model_years.year_number::varchar as period,
        null::varchar as street_code,
        true as is_district,
        count(*) as value
    from models
    inner join model_years on year(models.built_on) <= model_years.year_number
    group by model_years.year_number
),

-- the served clue list (not the rule's view again: its dedicated mart is built already)
clues as (
    select
        violation_at::date as violation_date,
        street_code
    from {{ ref('fct_shijia_clues') }}
),

clue_periods as (
    select
        strftime(violation_date, '%Y') as period,
        street_code
    from clues
    union all
    select
        strftime(violation_date, '%Y-%m') as period,
        street_code
    from clues
),

clue_counts as (
    select
        'supervision.shijia_clues' as indicator_code,
        period,
        street_code,
        false as is_district,
        count(*) as value
    from clue_periods
    group by period, street_code
    union all
    select
        'supervision.shijia_clues' as indicator_code,
        period,
        null as street_code,
        true as is_district,
        count(*) as value
    from clue_periods
    group by period
),

combined as (
    select * from model_stock
    union all
    select * from clue_counts
),

final as (
    {{ kpi_count_rows('combined') }}
)

select * from final

{% else %}

{{ kpi_no_rows() }}

{% endif %}
