{#
    on-run-end: every project test that failed or warned in this run, in words. dbt itself
    prints only "Got N results" and a compiled-SQL path; this prints what the test checks (its
    description), how many rows broke it, what to do (the test's meta.on_failure) and where the
    rows are. Tests of other packages and dbt's own generic tests without a description are
    listed by name only.
#}
{% macro explain_test_failures(results) %}
    {% if not execute %}{{ return('') }}{% endif %}
    {% set lines = [] %}
    {% for result in results %}
        {% set node = result.node %}
        {% if node.resource_type == 'test' and result.status in ('fail', 'warn', 'error') %}
            {% set meta = node.config.meta or {} %}
            {% set what = (node.description or '') | trim %}
            {% do lines.append(
                '- ' ~ node.name ~ ' (' ~ result.status
                ~ ('' if result.failures is none else ', ' ~ result.failures ~ ' rows') ~ ')'
                ~ (': ' ~ what if what else '')
            ) %}
            {% if meta.get('on_failure') %}
                {% do lines.append('  what to do: ' ~ (meta.get('on_failure') | trim)) %}
            {% endif %}
            {% if result.status != 'error' and node.compiled_path %}
                {% do lines.append('  the rows: the query in ' ~ node.compiled_path) %}
            {% endif %}
        {% endif %}
    {% endfor %}
    {% if lines %}
        {% do log('Tests that failed or warned, in words:\n' ~ (lines | join('\n')), info=True) %}
    {% endif %}
    {{ return('') }}
{% endmacro %}
