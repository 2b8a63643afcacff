-- A table, incremental: ~4.5 flows per ticket make this the biggest minyi entity; a daily run reads the new batches.
{{ config(
    materialized='incremental',
    unique_key='flow_id',
    incremental_strategy='delete+insert',
    on_schema_change='append_new_columns',
) }}

with

bronze as (
    {{ committed_bronze('bronze_minyi', 'ticket_flows') }}
    {{ new_bronze() }}
),

renamed as (
    select
        flow_id,
        ticket_id,
        step,
        step_at,
        department,
        note,
        updated_at,
        _ingested_at as ingested_at
    from bronze
),

latest as (
    {{ demand_keep_latest('renamed', 'flow_id', 'updated_at desc, ingested_at desc') }}
)

-- the columns of renamed (demand_keep_latest selects them with *)
select * from latest  -- noqa: AM04
