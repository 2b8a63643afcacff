-- the committed ingestion batches of the 深平安 source: what was extracted up to when, and how much was quarantined
-- depends_on: {{ source('bronze_pingan', 'key_persons') }} (skipped, with the baseline, until pingan is ingested)
with

batches as (
    select * from {{ ref('stg_lake__batches') }}
),

renamed as (
    select
        batch_id,
        entity,
        batch_status as status,
        rows_received,
        rows_bronze,
        rows_quarantined,
        -- the extraction's upper bound: the source's state is known up to this time
        watermark_high as extracted_until,
        received_at
    from batches
    where source_system = 'pingan' and batch_status = 'committed'
)

select * from renamed
