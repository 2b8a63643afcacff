{#- Our definition (docs/domain.md §3): closed no later than the (extended) due time. -#}
{% macro closed_on_time(closed_at, due_at) -%}
    coalesce({{ closed_at }} is not null and {{ closed_at }} <= {{ due_at }}, false)
{%- endmacro %}
