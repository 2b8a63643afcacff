with

batches as (
    select * from {{ ref('stg_lake__batches') }}
),

final as (
    select
        batch_id,
        source_system,
        entity,
        batch_status,
        rows_received,
        rows_bronze,
        rows_quarantined,
        -- kept in bronze with a field nulled or repaired: part of rows_bronze, not of the reconciliation
        rows_repaired,
        -- lossless: every received row is in bronze or in quarantine (a failed batch keeps them all in quarantine)
        rows_received = rows_bronze + rows_quarantined
        or (batch_status = 'failed' and rows_bronze = 0) as is_reconciled,
        case when rows_received > 0 then rows_quarantined / rows_received end as reject_rate,
        case when rows_received > 0 then rows_repaired / rows_received end as repair_rate,
        watermark_low,
        watermark_high,
        received_at,
        cast(received_at as date) as received_date,
        load_seconds,
        error_message
    from batches
)

select * from final
