-- KPI contract rows of S7 生命关爱 and S8 群防群治/平安夜巡 (the lead's kpi mart unions them).
-- Flows (activities, points, patrols, participations, hazards handled) count in the year and month of their event
-- date, for the district and each street. Life-care resources are stocks: the count registered by the end of each
-- year that has registrations, for the district and (liaisons, rooms) each street; counsellors carry no street.
-- the guard wraps the whole model: its body keeps the indentation it has without it
-- sqlfluff:indentation:template_blocks_indent:false
{% if kpi_inputs_built([
    'fct_night_patrols',
    'fct_patrol_hazards',
    'fct_patrol_participations',
    'fct_volunteer_activities',
    'fct_volunteer_points',
    'stg_zhengfa__lifecare_counsellors',
    'stg_zhengfa__lifecare_liaisons',
    'stg_zhengfa__lifecare_rooms',
]) %}

with

streets as (
    select * from {{ ref('ref_streets') }}
),

district as (
    select distinct district_code from streets
),

flow_facts as (
    select
        'volunteer.activities' as indicator_code,
        start_at::date as event_date,
        street_code,
        1 as amount
    from {{ ref('fct_volunteer_activities') }}
    union all
    select
        'volunteer.points' as indicator_code,
        issued_at::date as event_date,
        street_code,
        points as amount
    from {{ ref('fct_volunteer_points') }}
    union all
    select
        'patrol.patrols' as indicator_code,
        patrol_date as event_date,
        street_code,
        1 as amount
    from {{ ref('fct_night_patrols') }}
    union all
    select
        'patrol.participations' as indicator_code,
        patrol_date as event_date,
        street_code,
        1 as amount
    from {{ ref('fct_patrol_participations') }}
    union all
    -- 处置隐患: hazards handled, in the period they were handled
    select
        'patrol.hazards' as indicator_code,
        handled_at::date as event_date,
        street_code,
        1 as amount
    from {{ ref('fct_patrol_hazards') }}
    where is_handled
),

flow_periods as (
    select
        indicator_code,
        strftime(event_date, '%Y') as period,
        street_code,
        amount
    from flow_facts
    union all
    select
        indicator_code,
        strftime(event_date, '%Y-%m') as period,
        street_code,
        amount
    from flow_facts
),

flows as (
    select
        indicator_code,
        period,
        street_code,
        false as is_district,
        sum(amount) as value
    from flow_periods
    group by indicator_code, period, street_code
    union all
    select
        indicator_code,
        period,
        null as street_code,
        true as is_district,
        sum(amount) as value
    from flow_periods
    group by indicator_code, period
),

resources as (
    select
        'lifecare.liaisons' as indicator_code,
        registered_at,
        street_code
    from {{ ref('stg_zhengfa__lifecare_liaisons') }}
    union all
    select
        'lifecare.rooms' as indicator_code,
        registered_at,
        street_code
    from {{ ref('stg_zhengfa__lifecare_rooms') }}
    union all
    select
        'lifecare.counsellors' as indicator_code,
        registered_at,
        null::varchar as street_code
    from {{ ref('stg_zhengfa__lifecare_counsellors') }}
),

resource_years as (
    select distinct year(registered_at) as year_number from resources
),

resource_periods as (
    select
        resources.indicator_code,
        resource_years.year_number::varchar as period,
        resources.street_code
    from resources
    inner join resource_years on year(resources.registered_at) <= resource_years.year_number
),

stocks as (
    select
        indicator_code,
        period,
        street_code,
        false as is_district,
        count(*) as value
    from resource_periods
    group by indicator_code, period, street_code
    union all
    select
        indicator_code,
        period,
        null as street_code,
        true as is_district,
        count(*) as value
    from resource_periods
    group by indicator_code, period
),

combined as (
    select * from flows
    union all
    select * from stocks
),

final as (
    {{ kpi_count_rows('combined') }}
)

select * from final

{% else %}

{{ kpi_no_rows() }}

{% endif %}
