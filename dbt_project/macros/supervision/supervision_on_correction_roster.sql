{#- True when a raw citizen ID is on the community-correction roster (any committed version). Used in staging only,
    where raw IDs live, as a cheap pre-filter: the 失驾 model itself joins on pseudonyms, and pre-filtering lets it
    pseudonymise a few thousand rows instead of every licence interval and traffic violation of the district. -#}
{% macro supervision_on_correction_roster(id_column) -%}
    coalesce({{ id_column }} in (
        select roster.id_number
        from ({{ committed_bronze('bronze_zhengfa', 'correction_subjects') }}) as roster
    ), false)
{%- endmacro %}
