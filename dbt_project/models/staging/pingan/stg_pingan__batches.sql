-- the committed ingestion batches of the 深平安 source: what was extracted up to when, and how much was quarantined
with

manifests as (
    select * from {{ source('lake_meta', 'batch_manifests') }}
),

renamed as (
    select
        batch_id,
        entity,
        status,
        received::bigint as rows_received,
        bronze::bigint as rows_bronze,
        quarantined::bigint as rows_quarantined,
        -- the extraction's upper bound: the source's state is known up to this time
        high::timestamp as extracted_until,
        received_at::timestamp as received_at
    from manifests
    where source = 'pingan' and status = 'committed'
)

select * from renamed
