-- The 深平安 indicators in the KPI contract shape: per calendar year and month ('YYYY', 'YYYY-MM') of the event
-- date, for the district and for each street. All six are counts (numerator = value, no denominator):
--   pingan.work_orders                 协同工单: work orders, by creation time
--   pingan.reminder_letters_rectified  治安提醒函整改完成: letters in status 已整改, by rectification time
--   pingan.conflicts_closed            社会矛盾督办处理完成: items in status 已办结, by closure time
--   pingan.activities                  群防群治活动: activities, by start time
--   pingan.participations              群防群治参与人次: sign-ins, by check-in time (street of the activity)
--   pingan.service_hours               群防群治服务时长: organiser-confirmed service hours of those sign-ins
-- It reads the served marts, not staging: the indicators count the rows the dashboards list, and the views over
-- bronze do not run a second time.
-- the guard wraps the whole model: its body keeps the indentation it has without it
-- sqlfluff:indentation:template_blocks_indent:false
{% if kpi_inputs_built([
    'fct_activities',
    'fct_conflict_items',
    'fct_participations',
    'fct_reminder_letters',
    'fct_work_orders',
]) %}

with

orders as (
    select * from {{ ref('fct_work_orders') }}
),

letters as (
    select * from {{ ref('fct_reminder_letters') }}
),

conflicts as (
    select * from {{ ref('fct_conflict_items') }}
),

activities as (
    select * from {{ ref('fct_activities') }}
),

participations as (
    select * from {{ ref('fct_participations') }}
),

district as (
    select distinct district_code from {{ ref('ref_streets') }}
),

sign_ins as (
    select
        participations.checkin_at,
        participations.service_hours,
        activities.street_code
    from participations
    -- a sign-in at a quarantined activity still counts for the district; it has no street
    left join activities on participations.activity_id = activities.activity_id
),

facts as (
    select
        'pingan.work_orders' as indicator_code,
        created_at as event_at,
        street_code,
        1.0 as amount
    from orders
    union all
    select
        'pingan.reminder_letters_rectified' as indicator_code,
        rectified_at as event_at,
        street_code,
        1.0 as amount
    from letters
    where status = '已整改'
    union all
    select
        'pingan.conflicts_closed' as indicator_code,
        closed_at as event_at,
        street_code,
        1.0 as amount
    from conflicts
    where status = '已办结'
    union all
    select
        'pingan.activities' as indicator_code,
        start_at as event_at,
        street_code,
        1.0 as amount
    from activities
    union all
    select
        'pingan.participations' as indicator_code,
        checkin_at as event_at,
        street_code,
        1.0 as amount
    from sign_ins
    union all
    select
        'pingan.service_hours' as indicator_code,
        checkin_at as event_at,
        street_code,
        -- unconfirmed sign-ins have no hours yet
        coalesce(service_hours, 0.0) as amount
    from sign_ins
),

periods as (
    select
        indicator_code,
        strftime(event_at, '%Y') as period,
        street_code,
        amount
    from facts
    union all
    select
        indicator_code,
        strftime(event_at, '%Y-%m') as period,
        street_code,
        amount
    from facts
),

by_district as (
    select
        periods.indicator_code,
        periods.period,
        district.district_code as area_code,
        sum(periods.amount) as value
    from periods
    cross join district
    group by all
),

-- a fact without a street (a sign-in at an activity missing from staging) counts for the district only
by_street as (
    select
        indicator_code,
        period,
        street_code as area_code,
        sum(amount) as value
    from periods
    where street_code is not null
    group by all
),

final as (
    select
        indicator_code::varchar as indicator_code,
        period::varchar as period,
        area_code::varchar as area_code,
        value::double as value,
        value::double as numerator,
        null::double as denominator
    from by_district
    union all
    select
        indicator_code::varchar as indicator_code,
        period::varchar as period,
        area_code::varchar as area_code,
        value::double as value,
        value::double as numerator,
        null::double as denominator
    from by_street
)

select * from final

{% else %}

{{ kpi_no_rows() }}

{% endif %}
