with

manifest_files as (
    select cast(content as json) as manifest
    from {{ source('lake_meta', 'batch_manifest_files') }}
),

typed as (
    select
        manifest ->> 'batch_id' as batch_id,
        manifest ->> 'source' as source_system,
        manifest ->> 'entity' as entity,
        manifest ->> 'status' as batch_status,
        coalesce(cast(manifest ->> 'received' as bigint), 0) as rows_received,
        coalesce(cast(manifest ->> 'bronze' as bigint), 0) as rows_bronze,
        coalesce(cast(manifest ->> 'quarantined' as bigint), 0) as rows_quarantined,
        -- Beijing wall-clock times, as ingestion writes them
        try_cast(manifest ->> 'low' as timestamp) as watermark_low,
        try_cast(manifest ->> 'high' as timestamp) as watermark_high,
        try_cast(manifest ->> 'received_at' as timestamp) as received_at,
        cast(manifest ->> 'seconds' as double) as load_seconds,
        coalesce(manifest -> 'rules', '{}') as rejections_by_rule,
        -- field-level repairs: rows kept in bronze with a field nulled or repaired (not in the reconciliation)
        coalesce(cast(manifest ->> 'repaired' as bigint), 0) as rows_repaired,
        coalesce(manifest -> 'field_rules', '{}') as repairs_by_rule,
        manifest ->> 'error' as error_message
    from manifest_files
)

select * from typed
