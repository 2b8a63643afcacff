-- KPI contract rows of 视频资源一本账: video.cameras (cameras listed in a ledger: the year's = the latest ledger's)
-- and video.online_rate (online camera-days ÷ camera-days of the feed, in %), for the district and each street,
-- yearly and monthly
-- the guard wraps the whole model: its body keeps the indentation it has without it
-- sqlfluff:indentation:template_blocks_indent:false
{% if kpi_inputs_built([
    'agg_camera_availability_daily',
    'dim_cameras',
]) %}

with

cameras as (
    select * from {{ ref('dim_cameras') }}
),

daily as (
    select * from {{ ref('agg_camera_availability_daily') }}
),

ledger_months as (
    select distinct last_ledger_month as ledger_month from cameras
),

camera_months as (
    -- a camera is listed in every monthly ledger from its first to its last
    select
        ledger_months.ledger_month,
        cameras.street_code
    from cameras
    inner join ledger_months
        on ledger_months.ledger_month between cameras.first_ledger_month and cameras.last_ledger_month
),

year_ledgers as (
    select
        left(ledger_month, 4) as period,
        max(ledger_month) as ledger_month
    from ledger_months
    group by period
),

camera_periods as (
    -- a month's count is its ledger's; the year's is its latest ledger's (a join to that month: a window over
    -- every camera-month cost ~0.15 s per build)
    select
        ledger_month as period,
        street_code
    from camera_months
    union all
    select
        year_ledgers.period,
        camera_months.street_code
    from camera_months
    inner join year_ledgers on camera_months.ledger_month = year_ledgers.ledger_month
),

camera_areas as (
    -- every camera counts for the district, and for its street where it has one
    select
        period,
        '440309' as area_code
    from camera_periods
    union all
    select
        period,
        street_code as area_code
    from camera_periods
    where street_code is not null
),

camera_counts as (
    select
        'video.cameras' as indicator_code,
        period,
        area_code,
        count(*)::double as value,
        count(*)::double as numerator,
        null::double as denominator
    from camera_areas
    group by period, area_code
),

feed_periods as (
    select
        strftime(stat_date, '%Y-%m') as period,
        street_code,
        cameras_online,
        cameras_reporting
    from daily
    union all
    select
        strftime(stat_date, '%Y') as period,
        street_code,
        cameras_online,
        cameras_reporting
    from daily
),

feed_areas as (
    select
        period,
        '440309' as area_code,
        cameras_online,
        cameras_reporting
    from feed_periods
    union all
    select
        period,
        street_code as area_code,
        cameras_online,
        cameras_reporting
    from feed_periods
    where street_code is not null
),

online_rates as (
    select
        'video.online_rate' as indicator_code,
        period,
        area_code,
        100 * {{ video_online_rate('sum(cameras_online)', 'sum(cameras_reporting)') }} as value,
        sum(cameras_online)::double as numerator,
        sum(cameras_reporting)::double as denominator
    from feed_areas
    group by period, area_code
),

final as (
    select
        indicator_code::varchar as indicator_code,
        period::varchar as period,
        area_code::varchar as area_code,
        value::double as value,
        numerator::double as numerator,
        denominator::double as denominator
    from camera_counts
    union all
    select
        indicator_code::varchar,
        period::varchar,
        area_code::varchar,
        value::double,
        numerator::double,
        denominator::double
    from online_rates
)

select * from final

{% else %}

{{ kpi_no_rows() }}

{% endif %}
