with

catalogue as (
    select * from {{ ref('ref_indicators') }}
),

final as (
    select
        indicator_code,
        display_order as catalogue_order,
        indicator_name,
        domain,
        unit,
        formula,
        owner,
        target,
        target_direction,
        value_kind,
        seed_value_2024,
        seed_precision,
        seed_text,
        seed_reading,
        seed_low,
        seed_high,
        scales_with_data,
        source_systems
    from catalogue
)

select * from final
