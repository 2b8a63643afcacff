with

bronze as (
    {{ committed_bronze('bronze_pingan', 'work_order_flows') }}
),

latest as (
    select *
    from bronze
    {{ latest_by('flow_id', 'updated_at desc, _ingested_at desc') }}
),

renamed as (
    select
        flow_id,
        order_id,
        step,
        step_at,
        department,
        updated_at
    from latest
)

select * from renamed
