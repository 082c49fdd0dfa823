"""Admins' email templates: validation, the stored override in dispatch, the per-instance cache,
and the audit of every save and reset."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shared.domain.accounts import Role
from shared.domain.message_templates import (
    EDITABLE_EMAIL_TEMPLATES,
    TEMPLATE_VARIABLES,
    TemplateInvalid,
    validate_email_template,
)
from shared.domain.messages import Channel, MessageKind
from shared.service_layer import auth, dispatch
from shared.service_layer import message_template_admin as admin
from shared.service_layer.dispatch import DispatchTask
from tests.fakes import fake_dependencies, fake_dispatch_dependencies, fake_operator_dependencies
from tests.unit.test_dispatch import uploaded

RECEIPT = MessageKind.RECEIPT


@pytest.fixture
def operators():
    return fake_operator_dependencies(fake_dependencies())


@pytest.fixture
def admin_user(operators):
    return auth.create_operator(
        operators, "admin.satu", "Admin", Role.ADMIN, "kata-sandi-panjang-1", actor="cli"
    ).operator


@pytest.mark.parametrize(
    ("subject", "text", "says"),
    [
        ("{{ tracking_code }}", "Halo {{ undefined_var }}", "undefined_var"),
        ("{{ tracking_code }}", "{{ ''.__class__ }}", "sandbox"),
        ("{{ tracking_code }}", "{{ tracking_code.__class__.__mro__ }}", "sandbox"),
        ("{{ tracking_code }}", "{{ tracking_code", "penulisan templat salah"),
        ("{{ tracking_code }}", "{% for i in range(9) %}x{% endfor %}", "perulangan"),
        ("{{ tracking_code }}", "{{ tracking_code * 99999999 }}", "perkalian"),
        ("{{ tracking_code }}", "{{ tracking_code|center(99999999) }}", "center"),
        ("{{ prisoner_name }}", "ok", "prisoner_name"),  # not a receipt variable
        ("x" * 201, "ok", "terlalu panjang"),
        ("ok", "x" * 5001, "terlalu panjang"),
        ("", "ok", "kosong"),
    ],
)
def test_invalid_templates_are_refused_with_a_message(subject, text, says):
    with pytest.raises(TemplateInvalid) as refused:
        validate_email_template(RECEIPT, "id", subject, text)
    assert says in str(refused.value)


def test_a_valid_template_previews_with_the_sample_context():
    rendered = validate_email_template(
        RECEIPT,
        "id",
        "Diterima {{ tracking_code }}",
        "Halo {{ requester_name|upper }}{% if language == 'id' %}, terima kasih{% endif %}.",
    )
    assert rendered.subject == "Diterima RMS-7K2Q-9XWD"
    assert rendered.text == "Halo SITI RAHMAWATI, terima kasih."


def test_the_listed_variables_are_exactly_what_dispatch_provides():
    core = fake_dependencies()
    deps = fake_dispatch_dependencies(core)
    request = uploaded(core)
    for kind in (RECEIPT, MessageKind.UPLOAD_REJECTED, MessageKind.NOT_FOUND):
        task = DispatchTask(request.request_id, kind, 1, Channel.EMAIL)
        assert set(dispatch.message_context(request, task, deps)) == set(TEMPLATE_VARIABLES[kind])
    # Every default template is valid under the same rules as an admin's.
    for kind, language in EDITABLE_EMAIL_TEMPLATES:
        default = admin.default_email_template(kind, language)
        validate_email_template(kind, language, default["subject"], default["text"])


def test_a_saved_template_is_used_by_dispatch_and_cached_for_a_minute(operators, admin_user):
    core = operators
    deps = fake_dispatch_dependencies(
        core, email_templates=admin.CachedTemplates(operators.template_store, core.clock)
    )
    first = uploaded(core)
    dispatch.run_dispatch(DispatchTask(first.request_id, RECEIPT, 1, Channel.EMAIL), deps)
    assert deps.email.sent[-1].subject.startswith("Permohonan informasi remisi diterima")

    admin.save_template(
        operators, admin_user, RECEIPT, "id", "Baru: {{ tracking_code }}", "Isi <b>baru</b>", 0
    )
    second = uploaded(core)
    dispatch.run_dispatch(DispatchTask(second.request_id, RECEIPT, 1, Channel.EMAIL), deps)
    assert deps.email.sent[-1].subject.startswith("Permohonan"), "cached for up to 60 s"

    core.clock.advance(seconds=60)
    third = uploaded(core)
    dispatch.run_dispatch(DispatchTask(third.request_id, RECEIPT, 1, Channel.EMAIL), deps)
    sent = deps.email.sent[-1]
    assert sent.subject == f"Baru: {third.tracking_code}"
    assert sent.text == "Isi <b>baru</b>" and "Isi &lt;b&gt;baru&lt;/b&gt;" in sent.html
    assert operators.template_store.reads == 2  # one read per minute, not one per message

    # An English request still gets the (unchanged) English default.
    core.clock.advance(seconds=60)
    english = uploaded(core, language="en")
    dispatch.run_dispatch(DispatchTask(english.request_id, RECEIPT, 1, Channel.EMAIL), deps)
    assert deps.email.sent[-1].subject.startswith("Remission information request received")


def test_save_and_reset_are_versioned_and_audited(operators, admin_user):
    saved = admin.save_template(
        operators, admin_user, RECEIPT, "id", "S {{ tracking_code }}", "T", 0
    )
    assert saved.version == 1 and admin.template_view(operators, RECEIPT, "id").customised
    with pytest.raises(admin.VersionConflict):  # someone saved version 1 meanwhile
        admin.save_template(operators, admin_user, RECEIPT, "id", "Lama", "T", 0)
    with pytest.raises(TemplateInvalid):
        admin.save_template(operators, admin_user, RECEIPT, "id", "{{ nope }}", "T", 1)
    assert operators.template_store.get(RECEIPT, "id").subject == "S {{ tracking_code }}"

    reset = admin.reset_template(operators, admin_user, RECEIPT, "id", 1)
    assert reset.version == 2
    view = admin.template_view(operators, RECEIPT, "id")
    assert not view.customised and view.subject == view.default_subject
    events = [
        (e.actor, e.action, e.details["kind"], e.details["language"], e.details["version"])
        for e in operators.audit.recent(actions=("template_saved", "template_reset"))
        if e.action.startswith("template_")
    ]
    assert sorted(events) == [
        ("admin.satu", "template_reset", "receipt", "id", 2),
        ("admin.satu", "template_saved", "receipt", "id", 1),
    ]


def test_a_cache_ttl_of_zero_reads_every_time(operators):
    cache = admin.CachedTemplates(operators.template_store, operators.clock, timedelta(0))
    cache.source(RECEIPT, "id")
    cache.source(RECEIPT, "id")
    assert operators.template_store.reads == 2
