-- driver ID, name and plate leave as keyed pseudonyms (the driver's the same as the roster's and the licences')
with

bronze as (
    {{ committed_bronze('bronze_zhengfa', 'traffic_violations') }}
),

latest as (
    select *
    from bronze
    -- a capture is resent when it is processed
    {{ latest_by('violation_id', 'updated_at desc, _ingested_at desc') }}
),

-- the same capture re-sent under a new id in a later batch escapes the batch check: keep the first-numbered one
deduplicated as (
    select *
    from latest
    {{ latest_by('driver_id_number, violation_at, device_id, violation_code', 'violation_id') }}
),

renamed as (
    select
        violation_id,
        pseudonymize(driver_id_number) as driver_key,
        pseudonymize(driver_name) as driver_name_key,
        pseudonymize(plate_no) as plate_key,
        -- restricted-zone pre-filter for the 失驾 model (see the macro)
        {{ supervision_on_correction_roster('driver_id_number') }} as is_driver_on_correction_roster,
        violation_at,
        violation_at::date as violation_date,
        device_id,
        place,
        street_code,
        violation_code,
        violation_desc,
        points,
        fine_yuan,
        status,
        processed_at,
        updated_at,
        _batch_id as batch_id,
        _ingested_at as ingested_at
    from deduplicated
)

select * from renamed
