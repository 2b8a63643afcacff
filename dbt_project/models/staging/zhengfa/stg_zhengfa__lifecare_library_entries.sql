with

bronze as (
    {{ committed_bronze('bronze_zhengfa', 'lifecare_library_entries') }}
),

latest as (
    select *
    from bronze
    {{ latest_by('entry_id', 'updated_at desc, _ingested_at desc') }}
),

renamed as (
    select
        entry_id,
        library,
        title,
        summary,
        published_on,
        updated_at,
        _batch_id as batch_id,
        _ingested_at as ingested_at
    from latest
)

select * from renamed
