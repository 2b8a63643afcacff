{#- Drop later copies of a record the source created twice under a new id (pandera quarantines copies within a
    batch; a copy arriving in a later batch than its original reaches bronze and is dropped here). Rows with an
    incomplete business key are kept, as the quality rule keeps them. -#}
{% macro pingan_first_by_business_key(keys, order_by) -%}
    qualify
        ({% for k in keys %}{{ k }} is null{% if not loop.last %} or {% endif %}{% endfor %})
        or row_number() over (partition by {{ keys | join(', ') }} order by {{ order_by }}) = 1
{%- endmacro %}
