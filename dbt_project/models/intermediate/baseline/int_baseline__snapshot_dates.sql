-- the baseline's snapshot days: every month end from the reporting year's start up to the data's as-of, and the
-- as-of day itself when it is not a month end
with

as_of as (
    select * from {{ ref('int_baseline__as_of') }}
),

months as (
    select
        unnest(generate_series(
            date '{{ var("pingan_snapshot_start", "2024-01-01") }}'::timestamp,
            date_trunc('month', as_of.as_of_date)::timestamp,
            interval 1 month
        )) as month_start
    from as_of
),

month_ends as (
    select last_day(months.month_start)::date as snapshot_date
    from months
    cross join as_of
    where last_day(months.month_start) <= as_of.as_of_date
),

snapshot_dates as (
    select snapshot_date from month_ends
    union
    select as_of_date from as_of
),

final as (
    select
        snapshot_date,
        -- the state counted is the one at the end of the snapshot day (exclusive bound)
        snapshot_date + interval 1 day as day_end_at
    from snapshot_dates
)

select * from final
