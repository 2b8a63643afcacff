with

batches as (
    select * from {{ ref('stg_lake__batches') }}
),

rejections as (
    select
        batches.source_system,
        batches.entity,
        rule.key as rule_name,
        cast(sum(cast(rule.value as bigint)) as bigint) as rows_rejected,
        count(*) as batches_with_rejections
    from batches, json_each(batches.rejections_by_rule) as rule
    group by all
),

received as (
    select
        source_system,
        entity,
        cast(sum(rows_received) as bigint) as rows_received
    from batches
    group by all
),

final as (
    select
        rejections.source_system,
        rejections.entity,
        rejections.rule_name,
        -- rule names read "column:check" (pandera) or name a row-level check of our own
        coalesce(nullif(split_part(rejections.rule_name, ':', 2), ''), rejections.rule_name) as check_name,
        rejections.rows_rejected,
        rejections.batches_with_rejections,
        received.rows_received,
        case when received.rows_received > 0 then rejections.rows_rejected / received.rows_received end as reject_rate
    from rejections
    inner join received
        on
            rejections.source_system = received.source_system
            and rejections.entity = received.entity
)

select * from final
