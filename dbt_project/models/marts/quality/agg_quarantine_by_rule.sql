with

batches as (
    select * from {{ ref('stg_lake__batches') }}
),

-- level row: a rule that rejected rows (they are in quarantine); level field: a field-level rule on rows kept in
-- bronze with the field nulled or repaired (their records are in quarantine/_fields). A field-level rule that could
-- not be repaired on a required field rejected the row, and is counted at level row.
by_batch as (
    select
        batches.source_system,
        batches.entity,
        'row' as level,
        rule.key as rule_name,
        cast(rule.value as bigint) as rows_affected
    from batches, json_each(batches.rejections_by_rule) as rule
    union all
    select
        batches.source_system,
        batches.entity,
        'field' as level,
        rule.key as rule_name,
        cast(rule.value as bigint) as rows_affected
    from batches, json_each(batches.repairs_by_rule) as rule
),

by_rule as (
    select
        source_system,
        entity,
        level,
        rule_name,
        cast(sum(rows_affected) as bigint) as rows_affected,
        count(*) as batches_affected
    from by_batch
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
        by_rule.source_system,
        by_rule.entity,
        by_rule.level,
        by_rule.rule_name,
        -- rule names read "column:check" (pandera) or name a row-level check of our own
        coalesce(nullif(split_part(by_rule.rule_name, ':', 2), ''), by_rule.rule_name) as check_name,
        by_rule.rows_affected,
        by_rule.batches_affected,
        received.rows_received,
        case when received.rows_received > 0 then by_rule.rows_affected / received.rows_received end as affected_rate
    from by_rule
    inner join received
        on
            by_rule.source_system = received.source_system
            and by_rule.entity = received.entity
)

select * from final
