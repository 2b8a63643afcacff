with

bronze as (
    {{ committed_bronze('bronze_community', 'apps') }}
),

latest as (
    select *
    from bronze
    {{ latest_by('app_id', 'updated_at desc, _ingested_at desc') }}
),

renamed as (
    select
        app_id,
        app_name,
        community_code,
        street_code,
        category,
        scenario_id,
        -- the creator is a staff member's name: personal data leaves staging only as a keyed pseudonym
        pseudonymize(creator) as creator_key,
        form_fields,
        status,
        created_at,
        updated_at,
        _batch_id as batch_id,
        _ingested_at as ingested_at
    from latest
)

select * from renamed
