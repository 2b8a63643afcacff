{#- Rows of a bronze entity that belong to committed batches only: a batch is visible once its manifest says so,
    so a crash mid-batch never shows half a batch. -#}
{% macro committed_bronze(source_name, entity) -%}
    select bronze.*
    from {{ source(source_name, entity) }} as bronze
    semi join {{ source('lake_meta', 'batch_manifests') }} as manifests
        on bronze._batch_id = manifests.batch_id
        and manifests.source = '{{ source_name | replace("bronze_", "") }}'
        and manifests.entity = '{{ entity }}'
        and manifests.status = 'committed'
{%- endmacro %}

{#- Keep the latest version of each row: sources resend rows as they change (and the overlap window resends a few). -#}
{% macro latest_by(key, order_by) -%}
    qualify row_number() over (partition by {{ key }} order by {{ order_by }}) = 1
{%- endmacro %}
