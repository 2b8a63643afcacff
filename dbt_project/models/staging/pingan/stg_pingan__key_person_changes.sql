with

bronze as (
    {{ committed_bronze('bronze_pingan', 'key_person_changes') }}
),

latest as (
    select *
    from bronze
    {{ latest_by('history_id', 'updated_at desc, _ingested_at desc') }}
),

renamed as (
    select
        history_id,
        person_id,
        change_type,
        from_level as from_level_code,
        to_level as to_level_code,
        changed_at,
        reason,
        updated_at
    from latest
)

select * from renamed
