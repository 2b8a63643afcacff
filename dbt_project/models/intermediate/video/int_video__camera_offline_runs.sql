-- runs of consecutive days a camera was reported not online (offline or fault); a day the camera is missing from
-- the feed ends the run (gaps and islands: consecutive dates share date - row number)
with

offline_days as (
    select * from {{ ref('int_video__camera_offline_days') }}
),

islands as (
    select
        device_id,
        stat_date,
        feed_status,
        stat_date - (row_number() over (partition by device_id order by stat_date))::integer as island
    from offline_days
),

runs as (
    select
        device_id,
        min(stat_date) as run_start,
        max(stat_date) as run_end,
        count(*) as run_days,
        count(*) filter (where feed_status = 'fault') as fault_days
    from islands
    group by device_id, island
),

final as (
    select
        device_id::varchar as device_id,
        run_start::date as run_start,
        run_end::date as run_end,
        run_days::bigint as run_days,
        fault_days::bigint as fault_days
    from runs
)

select * from final
