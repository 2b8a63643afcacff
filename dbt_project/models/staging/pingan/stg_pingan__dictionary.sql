with

bronze as (
    {{ committed_bronze('bronze_pingan', 'dictionary') }}
),

latest as (
    select *
    from bronze
    {{ latest_by('dict_type, code', 'updated_at desc, _ingested_at desc') }}
),

renamed as (
    select
        dict_type,
        code,
        name,
        standard,
        updated_at
    from latest
)

select * from renamed
