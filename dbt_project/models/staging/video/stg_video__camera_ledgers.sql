-- one row per camera: its row in the latest ledger that lists it, plus the span of ledger months it appears in
-- (cameras are listed in every monthly ledger from installation to removal). A table: the view sorted every monthly
-- ledger row once per reader, and its tests are five readers.
{{ config(materialized='table') }}

with

bronze as (
    {{ committed_bronze('bronze_video', 'camera_ledgers') }}
),

-- the ledger columns are read apart from the keys: a window sorting all ~30 columns of every monthly row costs
-- seconds at full scale, one over the keys alone does not
keys as (
    {{ committed_bronze('bronze_video', 'camera_ledgers') }}
),

latest_keys as (
    select
        device_id,
        _batch_id,
        min(batch_date) over (partition by device_id) as first_ledger_date,
        max(batch_date) over (partition by device_id) as last_ledger_date,
        count(*) over (partition by device_id) as ledger_months
    from keys
    -- a month resent later replaces the earlier delivery of that month
    {{ latest_by('device_id', 'batch_date desc, _ingested_at desc, _source_row') }}
),

ranked as (
    select
        bronze.*,
        latest_keys.first_ledger_date,
        latest_keys.last_ledger_date,
        latest_keys.ledger_months
    from bronze
    -- a camera is listed once per batch (a second listing is quarantined as a duplicate)
    inner join latest_keys
        on
            bronze.device_id = latest_keys.device_id
            and bronze._batch_id = latest_keys._batch_id
),

renamed as (
    select
        -- GB/T 28181 IDs identify devices, not people: kept in clear
        device_id::varchar as device_id,
        name::varchar as camera_name,
        street_name::varchar as street_name,
        street_code::varchar as street_code,
        community_name::varchar as community_name,
        community_code::varchar as community_code,
        grid_code::varchar as grid_code,
        address::varchar as install_address,
        longitude::double as longitude,
        latitude::double as latitude,
        ptz_type::integer as ptz_type,
        manufacturer::varchar as manufacturer,
        model::varchar as model,
        owner::varchar as owner_unit,
        maintainer::varchar as maintainer,
        civil_code::varchar as civil_code,
        parent_id::varchar as parent_id,
        status::varchar as ledger_status,
        room_type::integer as room_type,
        use_type::integer as use_type,
        supply_light_type::integer as supply_light_type,
        business_group_id::varchar as business_group_id,
        install_date::date as install_date,
        _vendor::varchar as platform_vendor,
        _mapping::varchar as vendor_mapping,
        _source_file::varchar as source_file,
        _source_row::bigint as source_row,
        strftime(first_ledger_date, '%Y-%m') as first_ledger_month,
        strftime(last_ledger_date, '%Y-%m') as last_ledger_month,
        ledger_months::bigint as ledger_months,
        _batch_id::varchar as batch_id,
        _ingested_at as ingested_at
    from ranked
)

select * from renamed
