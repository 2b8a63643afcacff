with

batches as (
    select * from {{ ref('stg_lake__batches') }}
),

cadences as (
    select * from {{ ref('ref_source_cadences') }}
),

by_entity as (
    select
        source_system,
        entity,
        count(*) filter (where batch_status = 'committed') as batches_committed,
        count(*) filter (where batch_status = 'failed') as batches_failed,
        cast(sum(rows_received) as bigint) as rows_received,
        cast(sum(rows_bronze) as bigint) as rows_bronze,
        cast(sum(rows_quarantined) as bigint) as rows_quarantined,
        cast(sum(rows_repaired) as bigint) as rows_repaired,
        max(received_at) filter (where batch_status = 'committed') as last_committed_at,
        max(watermark_high) filter (where batch_status = 'committed') as data_through,
        max(received_at) filter (where batch_status = 'failed') as last_failed_at
    from batches
    group by all
),

-- the lake's own clock: the newest arrival of any source. Lateness is judged against it, not the wall clock, so a
-- build is reproducible and a stopped lake (nothing arrives at all) is not mistaken for every source being late
lake_clock as (
    select max(received_at) as checked_at from batches
),

-- each entity's expected cadence: its own row in the seed, else its source's default row (entity = '*')
with_cadence as (
    select
        by_entity.*,
        coalesce(own.source_name, source_default.source_name) as source_name,
        coalesce(own.cadence, source_default.cadence) as expected_cadence,
        coalesce(own.cadence_name, source_default.cadence_name) as cadence_name,
        coalesce(own.max_age_hours, source_default.max_age_hours) as max_age_hours
    from by_entity
    left join cadences as own
        on by_entity.source_system = own.source_system and by_entity.entity = own.entity
    left join cadences as source_default
        on by_entity.source_system = source_default.source_system and source_default.entity = '*'
),

final as (
    select
        with_cadence.source_system,
        with_cadence.entity,
        with_cadence.batches_committed,
        with_cadence.batches_failed,
        with_cadence.rows_received,
        with_cadence.rows_bronze,
        with_cadence.rows_quarantined,
        with_cadence.rows_repaired,
        case when with_cadence.rows_received > 0 then with_cadence.rows_quarantined / with_cadence.rows_received end
            as reject_rate,
        case when with_cadence.rows_received > 0 then with_cadence.rows_repaired / with_cadence.rows_received end
            as repair_rate,
        with_cadence.last_committed_at,
        with_cadence.data_through,
        with_cadence.last_failed_at,
        -- a failure after the last success means the entity is stuck on older data
        coalesce(with_cadence.last_failed_at > with_cadence.last_committed_at, false) as is_failing,
        cast(with_cadence.source_name as varchar) as source_name,
        cast(with_cadence.expected_cadence as varchar) as expected_cadence,
        cast(with_cadence.cadence_name as varchar) as cadence_name,
        cast(with_cadence.max_age_hours as integer) as max_age_hours,
        cast((with_cadence.last_committed_at + to_hours(with_cadence.max_age_hours)) as timestamp) as due_by,
        cast(lake_clock.checked_at as timestamp) as checked_at,
        -- late: the next batch was due before the lake's clock; never committed counts as late; no cadence: unknown
        cast((case
            when with_cadence.max_age_hours is null then null
            when with_cadence.last_committed_at is null then true
            else with_cadence.last_committed_at + to_hours(with_cadence.max_age_hours) < lake_clock.checked_at
        end) as boolean) as is_late
    from with_cadence
    cross join lake_clock
)

select * from final
