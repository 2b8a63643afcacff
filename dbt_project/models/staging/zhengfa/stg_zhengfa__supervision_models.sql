with

bronze as (
    {{ committed_bronze('bronze_zhengfa', 'supervision_models') }}
),

latest as (
    select *
    from bronze
    {{ latest_by('model_id', 'updated_at desc, _ingested_at desc') }}
),

renamed as (
    select
        model_id,
        model_name,
        domain,
        description,
        built_on,
        status,
        national_listed as is_national_listed,
        listed_on,
        updated_at,
        _batch_id as batch_id,
        _ingested_at as ingested_at
    from latest
)

select * from renamed
