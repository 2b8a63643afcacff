-- the licence number is the holder's citizen ID: it leaves as the same pseudonym as the correction roster's
with

bronze as (
    {{ committed_bronze('bronze_zhengfa', 'driving_licence_statuses') }}
),

latest as (
    select *
    from bronze
    -- an interval is resent when it closes (valid_to filled) and when it is corrected later
    {{ latest_by('record_id', 'updated_at desc, _ingested_at desc') }}
),

-- an interval re-sent under a new record id in a later batch escapes the batch check: one per holder and start day
deduplicated as (
    select *
    from latest
    {{ latest_by('id_number, valid_from', 'record_id') }}
),

renamed as (
    select
        record_id,
        pseudonymize(id_number) as holder_key,
        pseudonymize(name) as name_key,
        -- restricted-zone pre-filter for the 失驾 model (see the macro)
        {{ supervision_on_correction_roster('id_number') }} as is_holder_on_correction_roster,
        licence_class,
        status as licence_status,
        status != '正常' as is_invalid,
        valid_from,
        valid_to,
        reason,
        issuing_authority,
        updated_at,
        _batch_id as batch_id,
        _ingested_at as ingested_at
    from deduplicated
)

select * from renamed
