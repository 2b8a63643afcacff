with

bronze as (
    {{ committed_bronze('bronze_minyi', 'channels') }}
),

latest as (
    select *
    from bronze
    {{ latest_by('channel_code', 'updated_at desc, _ingested_at desc') }}
),

renamed as (
    select
        channel_code,
        channel_name,
        self_collected as is_self_collected,
        updated_at,
        _ingested_at as ingested_at
    from latest
)

select * from renamed
