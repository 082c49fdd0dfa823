"""The admin-editable email templates see the kind's variables and nothing else: no Jinja
globals, no tags that declare names or change scope, no attribute or index access. Each refusal
is an Indonesian message the template page shows as it is."""

from __future__ import annotations

import pytest
from jinja2.exceptions import UndefinedError

from shared.domain.message_templates import (
    EDITABLE_EMAIL_TEMPLATES,
    SAMPLE_VALUES,
    TemplateInvalid,
    default_email_template,
    render_email,
    sample_context,
    validate_email_template,
)
from shared.domain.messages import MessageKind

RECEIPT = MessageKind.RECEIPT
GLOBALS = ("lipsum", "range", "dict", "cycler", "joiner", "namespace")


@pytest.mark.parametrize("name", [*GLOBALS, "self", "loop", "caller", "varargs", "kwargs"])
def test_jinja_globals_and_special_names_are_unknown_variables(name):
    with pytest.raises(TemplateInvalid) as refused:
        validate_email_template(RECEIPT, "id", "S {{ tracking_code }}", f"Isi {{{{ {name} }}}}")
    assert f"variabel tidak dikenal untuk jenis pesan ini: {name}" in str(refused.value)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("{% set x = 'a' %}{{ x }}", "{% set %}"),
        ("{% set tracking_code = 'palsu' %}{{ tracking_code }}", "{% set %}"),
        ("{% set x %}isi{% endset %}{{ x }}", "{% set %}"),
        ("{% with a = tracking_code %}{{ a }}{% endwith %}", "{% with %}"),
        ("{% autoescape false %}{{ requester_name }}{% endautoescape %}", "{% autoescape %}"),
        ("{% import 'x' as x %}", "impor"),
        ("{% include 'x' %}", "impor"),
        ("{% macro m() %}x{% endmacro %}", "makro"),
        ("{% call m() %}x{% endcall %}", "pemanggilan"),
        ("{{ tracking_code|default(lipsum) }}", "lipsum"),
        ("{{ tracking_code if tracking_code else range }}", "range"),
    ],
)
def test_tags_that_declare_names_or_change_scope_are_refused(text, says):
    with pytest.raises(TemplateInvalid) as refused:
        validate_email_template(RECEIPT, "id", "S {{ tracking_code }}", text)
    assert says in str(refused.value)


@pytest.mark.parametrize(
    "text",
    [
        "{{ tracking_code._private }}",
        "{{ tracking_code.__class__ }}",
        "{{ tracking_code['__class__'] }}",
        "{{ tracking_code.upper }}",  # a bound method: values are text, nothing to look up
        "{{ requester_name[0] }}",
    ],
)
def test_attribute_and_index_access_is_refused_before_rendering(text):
    with pytest.raises(TemplateInvalid) as refused:
        validate_email_template(RECEIPT, "id", "S {{ tracking_code }}", text)
    message = str(refused.value)
    assert "akses atribut atau indeks" in message and "sandbox" in message


def test_a_stored_template_cannot_reach_a_global_when_dispatch_renders_it():
    # A template saved before these checks still renders through the same environments.
    context = sample_context(RECEIPT, "id")
    for name in GLOBALS:
        with pytest.raises(UndefinedError):
            render_email(RECEIPT, "id", context, {"subject": "S", "text": f"{{{{ {name} }}}}"})


def test_what_an_admin_may_write_still_renders():
    rendered = validate_email_template(
        MessageKind.UPLOAD_REJECTED,
        "id",
        "Unggah ulang {{ tracking_code|upper }}",
        "Halo {{ requester_name|title }}{% if language == 'id' and reason is defined %}: "
        "{{ reason }}{% elif not reason %}-{% else %}?{% endif %}\n"
        "{{ 'Kode ' ~ tracking_code }} {{ status_url if status_url else '' }}"
        "{% if language in ('id', 'en') %}.{% endif %} {{ office_name|default('Kanwil') }}",
    )
    assert rendered.subject == f"Unggah ulang {SAMPLE_VALUES['tracking_code'].upper()}"
    assert f"Halo Siti Rahmawati: {SAMPLE_VALUES['reason']}" in rendered.text
    assert f"Kode {SAMPLE_VALUES['tracking_code']} {SAMPLE_VALUES['status_url']}." in rendered.text


@pytest.mark.parametrize(("kind", "language"), EDITABLE_EMAIL_TEMPLATES)
def test_the_default_templates_pass_the_sandbox(kind, language):
    default = default_email_template(kind, language)
    validate_email_template(kind, language, default["subject"], default["text"])
