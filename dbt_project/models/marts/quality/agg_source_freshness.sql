with

batches as (
    select * from {{ ref('stg_lake__batches') }}
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

final as (
    select
        source_system,
        entity,
        batches_committed,
        batches_failed,
        rows_received,
        rows_bronze,
        rows_quarantined,
        rows_repaired,
        case when rows_received > 0 then rows_quarantined / rows_received end as reject_rate,
        case when rows_received > 0 then rows_repaired / rows_received end as repair_rate,
        last_committed_at,
        data_through,
        last_failed_at,
        -- a failure after the last success means the entity is stuck on older data
        coalesce(last_failed_at > last_committed_at, false) as is_failing
    from by_entity
)

select * from final
