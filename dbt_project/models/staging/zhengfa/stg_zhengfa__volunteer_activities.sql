with

bronze as (
    {{ committed_bronze('bronze_zhengfa', 'volunteer_activities') }}
),

latest as (
    select *
    from bronze
    -- an activity is resent as it moves 招募中 → 进行中 → 已结束
    {{ latest_by('activity_id', 'updated_at desc, _ingested_at desc') }}
),

renamed as (
    select
        activity_id,
        title,
        activity_type,
        organiser,
        grid_code,
        community_code,
        street_code,
        published_at,
        start_at,
        end_at,
        quota,
        status,
        updated_at,
        _batch_id as batch_id,
        _ingested_at as ingested_at
    from latest
)

select * from renamed
