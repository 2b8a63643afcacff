-- HIGHLY SENSITIVE: persons in a suicide crisis. Identities leave as pseudonyms, the grid and names are dropped,
-- and nothing downstream may publish these rows except as aggregates (marts/zhengfa/lifecare).
with

bronze as (
    {{ committed_bronze('bronze_zhengfa', 'lifecare_crisis_cases') }}
),

latest as (
    select *
    from bronze
    -- cases change for weeks (follow-ups, re-assessed risk): keep the latest version
    {{ latest_by('case_id', 'updated_at desc, _ingested_at desc') }}
),

renamed as (
    select
        case_id,
        source as case_source,
        reported_at,
        pseudonymize(caller_phone) as caller_key,
        pseudonymize(subject_id_number) as subject_key,
        subject_age,
        subject_gender,
        risk_level,
        street_code,
        community_code,
        liaison_id,
        counsellor_id,
        status,
        outcome,
        updated_at,
        _batch_id as batch_id,
        _ingested_at as ingested_at
    from latest
)

select * from renamed
