"""What each message says, per kind and language, rendered with Jinja2's sandbox and
StrictUndefined (a missing value is an error, never an empty hole in a letter to a family).

Email: subject, plain text and HTML (HTML autoescaped: every value is escaped). WhatsApp: each
kind maps to an approved *template* (utility category) by name and language, with its body
parameters in order; the same parameters fill the click-to-chat text of the manual fallback.
The templates of the approved WhatsApp messages must match WHATSAPP_TEMPLATES word for word in
WhatsApp Manager ({{1}}, {{2}}, ... in the order of `parameters`), line breaks included: a
parameter cannot hold one, so each line of a message is a line of the approved body.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, nodes
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment

from shared.domain.messages import MessageKind

_TEXT = SandboxedEnvironment(
    undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False
)
_HTML = SandboxedEnvironment(undefined=StrictUndefined, autoescape=True)
# No template needs Jinja's globals (lipsum, range, dict, cycler, joiner, namespace); without
# them a stored admin template sees its context and nothing else, even one saved before the
# checks below existed.
_TEXT.globals.clear()
_HTML.globals.clear()

EMAIL_TEMPLATES: dict[tuple[MessageKind, str], dict[str, str]] = {
    (MessageKind.RECEIPT, "id"): {
        "subject": "Permohonan informasi remisi diterima ({{ tracking_code }})",
        "text": "Yth. Bapak/Ibu {{ requester_name }},\n\n"
        "Permohonan informasi remisi Anda telah kami terima dengan kode pelacakan "
        "{{ tracking_code }}.\nPetugas akan memeriksa data di Sistem Database Pemasyarakatan "
        "(SDP) dan mengirimkan jawaban melalui WhatsApp dan email.\n\n"
        "Cek status permohonan: {{ status_url }}\n\nHormat kami,\n{{ office_name }}",
    },
    (MessageKind.RECEIPT, "en"): {
        "subject": "Remission information request received ({{ tracking_code }})",
        "text": "Dear {{ requester_name }},\n\n"
        "We have received your remission information request, tracking code "
        "{{ tracking_code }}.\nAn officer will check the corrections database (SDP) and send "
        "the answer by WhatsApp and email.\n\n"
        "Check the status: {{ status_url }}\n\nKind regards,\n{{ office_name }}",
    },
    (MessageKind.UPLOAD_REJECTED, "id"): {
        "subject": "Mohon unggah ulang KTP ({{ tracking_code }})",
        "text": "Yth. Bapak/Ibu {{ requester_name }},\n\n"
        "KTP untuk permohonan {{ tracking_code }} belum dapat kami terima: {{ reason }}\n\n"
        "Silakan unggah ulang melalui tautan berikut: {{ status_url }}\n\n"
        "Hormat kami,\n{{ office_name }}",
    },
    (MessageKind.UPLOAD_REJECTED, "en"): {
        "subject": "Please upload your KTP again ({{ tracking_code }})",
        "text": "Dear {{ requester_name }},\n\n"
        "We could not accept the KTP for request {{ tracking_code }}: {{ reason }}\n\n"
        "Please upload it again here: {{ status_url }}\n\nKind regards,\n{{ office_name }}",
    },
    (MessageKind.NOT_FOUND, "id"): {
        "subject": "Hasil permohonan informasi remisi ({{ tracking_code }})",
        "text": "Yth. Bapak/Ibu {{ requester_name }},\n\n"
        "Menjawab permohonan {{ tracking_code }}: data narapidana/anak atas nama "
        "{{ prisoner_name }} tidak ditemukan di Sistem Database Pemasyarakatan (SDP).\n"
        "Mohon periksa kembali ejaan nama dan UPT, lalu ajukan permohonan baru bila perlu.\n\n"
        "Hormat kami,\n{{ office_name }}",
    },
    (MessageKind.NOT_FOUND, "en"): {
        "subject": "Result of your remission information request ({{ tracking_code }})",
        "text": "Dear {{ requester_name }},\n\n"
        "Regarding request {{ tracking_code }}: no prisoner or child named "
        "{{ prisoner_name }} was found in the corrections database (SDP).\n"
        "Please check the spelling and the facility, and submit a new request if needed.\n\n"
        "Kind regards,\n{{ office_name }}",
    },
    # The answer text is the operator's (Bahasa Indonesia, composed and reviewed); the
    # envelope follows the requester's language.
    (MessageKind.ANSWER, "id"): {
        "subject": "Jawaban permohonan informasi remisi ({{ tracking_code }})",
        "text": "{{ answer_text }}",
    },
    (MessageKind.ANSWER, "en"): {
        "subject": "Answer to your remission information request ({{ tracking_code }})",
        "text": "{{ answer_text }}",
    },
    (MessageKind.OPERATOR_FAILURE, "id"): {
        "subject": "Pesan gagal terkirim: permohonan {{ tracking_code }}",
        "text": 'Pesan "{{ failed_kind }}" untuk permohonan {{ tracking_code }} gagal '
        "terkirim lewat WhatsApp maupun email ({{ reasons }}).\n"
        "Buka halaman operator dan hubungi pemohon secara manual.",
    },
    # A request about one's personal data (shared.service_layer.privacy): received.
    (MessageKind.PRIVACY_RECEIPT, "id"): {
        "subject": "Permintaan data pribadi diterima ({{ tracking_code }})",
        "text": "Yth. Bapak/Ibu {{ requester_name }},\n\n"
        "Permintaan Anda tentang data pribadi pada permohonan {{ tracking_code }} telah kami "
        "terima. Petugas admin akan menindaklanjutinya dan menghubungi Anda melalui email "
        "atau WhatsApp ini. Bila Anda tidak merasa mengajukannya, balas pesan ini.\n\n"
        "Hormat kami,\n{{ office_name }}",
    },
    (MessageKind.PRIVACY_RECEIPT, "en"): {
        "subject": "Personal data request received ({{ tracking_code }})",
        "text": "Dear {{ requester_name }},\n\n"
        "We have received your request about the personal data of request {{ tracking_code }}. "
        "An administrator will handle it and contact you by this email or WhatsApp. If you "
        "did not ask for this, please reply to this message.\n\n"
        "Kind regards,\n{{ office_name }}",
    },
    # The survey link (shared.service_layer.survey): no tracking code, no names in the link.
    (MessageKind.SURVEY_INVITE, "id"): {
        "subject": "Survei kepuasan layanan informasi remisi",
        "text": "Yth. Bapak/Ibu {{ requester_name }},\n\n"
        "Terima kasih telah memakai layanan informasi remisi. Mohon luangkan 3 menit untuk "
        "mengisi survei kepuasan masyarakat (tanpa nama; jawaban tidak dikaitkan dengan "
        "permohonan Anda):\n{{ survey_url }}\n\n"
        "Tautan ini berlaku sampai {{ valid_until }} dan hanya dapat dipakai sekali.\n\n"
        "Hormat kami,\n{{ office_name }}",
    },
    (MessageKind.SURVEY_INVITE, "en"): {
        "subject": "Satisfaction survey: remission information service",
        "text": "Dear {{ requester_name }},\n\n"
        "Thank you for using the remission information service. Please take 3 minutes to "
        "answer the public satisfaction survey (anonymous; your answers are not linked to "
        "your request):\n{{ survey_url }}\n\n"
        "The link is valid until {{ valid_until }} and can be used once.\n\n"
        "Kind regards,\n{{ office_name }}",
    },
    # Complaints (shared.service_layer.complaints): the number to quote, and the answer.
    (MessageKind.COMPLAINT_RECEIPT, "id"): {
        "subject": "Pengaduan diterima ({{ complaint_number }})",
        "text": "Yth. Bapak/Ibu {{ requester_name }},\n\n"
        "Pengaduan Anda ({{ category }}) telah kami terima dengan nomor {{ complaint_number }}.\n"
        "Kami menjawabnya paling lambat {{ answer_days }} hari kerja, lewat WhatsApp dan/atau "
        "email.\n\nHormat kami,\n{{ office_name }}",
    },
    (MessageKind.COMPLAINT_RECEIPT, "en"): {
        "subject": "Complaint received ({{ complaint_number }})",
        "text": "Dear {{ requester_name }},\n\n"
        "We have received your complaint ({{ category }}), number {{ complaint_number }}.\n"
        "We answer within {{ answer_days }} working days, by WhatsApp and/or email.\n\n"
        "Kind regards,\n{{ office_name }}",
    },
    (MessageKind.COMPLAINT_ANSWER, "id"): {
        "subject": "Jawaban pengaduan {{ complaint_number }}",
        "text": "Yth. Bapak/Ibu {{ requester_name }},\n\n"
        "Menjawab pengaduan Anda {{ complaint_number }}:\n\n{{ answer_text }}\n\n"
        "Hormat kami,\n{{ office_name }}",
    },
    (MessageKind.COMPLAINT_ANSWER, "en"): {
        "subject": "Answer to complaint {{ complaint_number }}",
        "text": "Dear {{ requester_name }},\n\n"
        "Regarding your complaint {{ complaint_number }} (the answer is in Indonesian):\n\n"
        "{{ answer_text }}\n\nKind regards,\n{{ office_name }}",
    },
}

_HTML_PAGE = (
    '<!doctype html><html lang="{{ language }}"><meta charset="utf-8">'
    "<title>{{ subject }}</title>"
    '<body style="font-family:sans-serif;line-height:1.5;max-width:40em">'
    "{% for paragraph in paragraphs %}<p>{% for line in paragraph %}"
    "{{ line }}{% if not loop.last %}<br>{% endif %}{% endfor %}</p>{% endfor %}"
    "</body></html>"
)


@dataclass(frozen=True)
class WhatsAppTemplate:
    name: str
    parameters: tuple[str, ...]  # context keys, {{1}}, {{2}}, ... in this order
    # The approved body, for the manual click-to-chat text and the outbox preview.
    body: dict[str, str]


# A parameter may not hold a line break, so the approved bodies carry the lines: one fact per
# line, and the operator's answer line by line, one parameter each. WhatsApp Manager refuses a
# body that starts or ends with a parameter, hence the closing lines.
ANSWER_LINES = 30
# What fills a line the answer leaves blank or does not reach: WhatsApp refuses an empty
# parameter, and a zero-width space shows as an empty line.
BLANK_LINE = "\u200b"
ANSWER_PARAMETERS = tuple(f"answer_line_{n}" for n in range(1, ANSWER_LINES + 1))
_ANSWER_BODY_LINES = "\n".join(f"{{{{{n}}}}}" for n in range(2, ANSWER_LINES + 2))

WHATSAPP_TEMPLATES: dict[MessageKind, WhatsAppTemplate] = {
    # Outside the 24-hour window an operator's reply cannot go as free text: this tells the
    # family there is one, and their answer opens the window it then goes out in.
    MessageKind.REPLY_NOTICE: WhatsAppTemplate(
        "remisi_ada_balasan",
        ("tracking_code",),
        {
            "id": "Ada balasan petugas untuk permohonan Anda {{1}}.\n"
            'Mohon balas pesan ini (misalnya dengan "Ya"),\n'
            "lalu balasan petugas kami kirimkan di percakapan ini.",
            "en": "There is an officer's reply to your request {{1}}.\n"
            'Please answer this message (for instance "Yes"),\n'
            "and we will send the reply in this chat.",
        },
    ),
    MessageKind.RECEIPT: WhatsAppTemplate(
        "remisi_tanda_terima",
        ("tracking_code", "status_url"),
        {
            "id": "Permohonan informasi remisi Anda sudah diterima.\n"
            "Kode pelacakan: {{1}}\n"
            "Cek status: {{2}}\n"
            "Jawaban akan dikirim lewat WhatsApp dan email.",
            "en": "Your remission information request was received.\n"
            "Tracking code: {{1}}\n"
            "Status: {{2}}\n"
            "The answer will come by WhatsApp and email.",
        },
    ),
    MessageKind.UPLOAD_REJECTED: WhatsAppTemplate(
        "remisi_unggah_ulang",
        ("tracking_code", "reason", "status_url"),
        {
            "id": "KTP untuk permohonan {{1}} belum dapat diterima.\n"
            "Alasan: {{2}}\n"
            "Unggah ulang di: {{3}}\n"
            "Tautan ini juga dikirim lewat email.",
            "en": "The KTP for request {{1}} could not be accepted.\n"
            "Reason: {{2}}\n"
            "Upload again: {{3}}\n"
            "The link was also sent by email.",
        },
    ),
    MessageKind.NOT_FOUND: WhatsAppTemplate(
        "remisi_tidak_ditemukan",
        ("tracking_code", "prisoner_name"),
        {
            "id": "Permohonan {{1}}:\n"
            "data atas nama {{2}} tidak ditemukan di SDP.\n"
            "Periksa ejaan nama dan UPT, lalu ajukan permohonan baru bila perlu.",
            "en": "Request {{1}}:\n"
            "no record for {{2}} was found in SDP.\n"
            "Check the spelling and facility, and submit a new request if needed.",
        },
    ),
    MessageKind.ANSWER: WhatsAppTemplate(
        "remisi_jawaban",
        ("tracking_code", *ANSWER_PARAMETERS),
        {
            "id": "Jawaban permohonan informasi remisi {{1}}:\n"
            + _ANSWER_BODY_LINES
            + "\n\nJawaban ini juga dikirim lewat email.",
            "en": "Answer to remission information request {{1}}:\n"
            + _ANSWER_BODY_LINES
            + "\n\nThis answer was also sent by email.",
        },
    ),
    MessageKind.COMPLAINT_RECEIPT: WhatsAppTemplate(
        "remisi_pengaduan_diterima",
        ("complaint_number", "answer_days"),
        {
            "id": "Pengaduan Anda sudah kami terima.\n"
            "Nomor pengaduan: {{1}}\n"
            "Jawaban paling lambat {{2}} hari kerja.\n"
            "Terima kasih atas masukan Anda.",
            "en": "Your complaint was received.\n"
            "Complaint number: {{1}}\n"
            "Answer within {{2}} working days.\n"
            "Thank you for your feedback.",
        },
    ),
    MessageKind.COMPLAINT_ANSWER: WhatsAppTemplate(
        "remisi_pengaduan_jawaban",
        ("complaint_number", *ANSWER_PARAMETERS),
        {
            "id": "Jawaban pengaduan {{1}}:\n"
            + _ANSWER_BODY_LINES
            + "\n\nJawaban ini juga dikirim lewat email bila Anda mengisinya.",
            "en": "Answer to complaint {{1}}:\n"
            + _ANSWER_BODY_LINES
            + "\n\nThis answer was also sent by email if you gave one.",
        },
    ),
    MessageKind.PRIVACY_RECEIPT: WhatsAppTemplate(
        "remisi_permintaan_data_pribadi",
        ("tracking_code",),
        {
            "id": "Permintaan data pribadi untuk permohonan {{1}} telah diterima.\n"
            "Petugas admin akan menindaklanjutinya.\n"
            "Kabar berikutnya dikirim lewat WhatsApp atau email.",
            "en": "Your personal data request for request {{1}} was received.\n"
            "An administrator will handle it.\n"
            "You will hear from us by WhatsApp or email.",
        },
    ),
    MessageKind.SURVEY_INVITE: WhatsAppTemplate(
        "remisi_survei_kepuasan",
        ("survey_url", "valid_until"),
        {
            "id": "Terima kasih telah memakai layanan informasi remisi.\n"
            "Mohon isi survei kepuasan (3 menit, tanpa nama): {{1}}\n"
            "Tautan berlaku sampai {{2}} dan hanya dapat dipakai sekali.\n"
            "Tautan ini juga dikirim lewat email.",
            "en": "Thank you for using the remission information service.\n"
            "Please answer the satisfaction survey (3 minutes, anonymous): {{1}}\n"
            "The link is valid until {{2}} and can be used once.\n"
            "The link was also sent by email.",
        },
    ),
}

# WhatsApp template parameters may not hold newlines or tabs, nor more than 4 spaces in a row.
WHATSAPP_PARAMETER_MAX = 1024


def answer_lines(text: str) -> dict[str, str]:
    """The answer as ANSWER_LINES parameters, one line each (blank lines kept, runs of them
    folded into one); what does not fit shares the last line."""
    lines: list[str] = []
    for line in str(text).splitlines():
        line = line.strip()
        if line or (lines and lines[-1]):
            lines.append(line)
    while lines and not lines[-1]:
        lines.pop()
    if len(lines) > ANSWER_LINES:
        tail = [line for line in lines[ANSWER_LINES - 1 :] if line]
        lines = [*lines[: ANSWER_LINES - 1], " / ".join(tail)]
    lines += [""] * (ANSWER_LINES - len(lines))
    return {key: line or BLANK_LINE for key, line in zip(ANSWER_PARAMETERS, lines, strict=True)}


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class RenderedWhatsApp:
    template: str
    language: str
    parameters: tuple[str, ...]
    preview: str  # the body as the recipient sees it


def _language(language: str) -> str:
    return "en" if language == "en" else "id"


def default_email_template(kind: MessageKind, language: str) -> dict[str, str]:
    return EMAIL_TEMPLATES.get((kind, _language(language))) or EMAIL_TEMPLATES[(kind, "id")]


def render_email(
    kind: MessageKind, language: str, context: dict, source: dict[str, str] | None = None
) -> RenderedEmail:
    """`source`: an admin's stored subject/text (validated when saved); else the default."""
    language = _language(language)
    source = source or default_email_template(kind, language)
    subject = _TEXT.from_string(source["subject"]).render(context).replace("\n", " ").strip()
    text = _TEXT.from_string(source["text"]).render(context).strip()
    paragraphs = [block.split("\n") for block in text.split("\n\n")]
    html = _HTML.from_string(_HTML_PAGE).render(
        language=language, subject=subject, paragraphs=paragraphs
    )
    return RenderedEmail(subject, text, html)


def whatsapp_parameter(value: str) -> str:
    flat = " / ".join(line.strip() for line in str(value).splitlines() if line.strip())
    while "     " in flat:
        flat = flat.replace("     ", "    ")
    return flat.replace("\t", " ")[:WHATSAPP_PARAMETER_MAX]


def render_whatsapp(kind: MessageKind, language: str, context: dict) -> RenderedWhatsApp:
    language = _language(language)
    template = WHATSAPP_TEMPLATES[kind]
    if kind in (MessageKind.ANSWER, MessageKind.COMPLAINT_ANSWER):
        answer = _TEXT.from_string("{{ answer_text }}").render(context)
        context = {**context, **answer_lines(answer)}
    parameters = tuple(
        whatsapp_parameter(_TEXT.from_string("{{ " + key + " }}").render(context))
        for key in template.parameters
    )
    # One pass, so a value that itself reads "{{3}}" is never filled in again.
    preview = re.sub(
        r"\{\{(\d+)\}\}",
        lambda m: parameters[int(m.group(1)) - 1].replace(BLANK_LINE, ""),
        template.body[language],
    )
    # The answer's unused lines would show as a gap before the closing line.
    preview = re.sub(r"\n{3,}", "\n\n", preview)
    return RenderedWhatsApp(template.name, language, parameters, preview)


def click_to_chat_link(whatsapp_e164: str, text: str) -> str:
    """wa.me with the text prefilled: the operator's manual fallback."""
    number = whatsapp_e164.lstrip("+")
    if not number.isdigit():
        raise ValueError("not an E.164 number")
    return f"https://wa.me/{number}?text={quote(text, safe='')}"


# --- templates edited by admins ---------------------------------------------------------------
#
# Only email templates are editable: the WhatsApp bodies are approved by Meta word for word.
# What an admin may write is plain substitution: {{ variable }}, {% if %}, and a few harmless
# filters. No loops, calls, imports, macros or multiplication, so no template can run for long
# or build a huge string in dispatch; the sandbox and StrictUndefined stay as the last line.

# The variables each kind's context carries (shared.service_layer.dispatch.message_context).
_COMMON_VARIABLES = ("tracking_code", "requester_name", "office_name", "status_url", "language")
_COMPLAINT_VARIABLES = ("complaint_number", "requester_name", "office_name", "category")
_COMPLAINT_VARIABLES += ("answer_days", "language")
TEMPLATE_VARIABLES: dict[MessageKind, tuple[str, ...]] = {
    MessageKind.RECEIPT: _COMMON_VARIABLES,
    MessageKind.UPLOAD_REJECTED: (*_COMMON_VARIABLES, "reason"),
    MessageKind.NOT_FOUND: (*_COMMON_VARIABLES, "prisoner_name"),
    MessageKind.ANSWER: (*_COMMON_VARIABLES, "answer_text"),
    MessageKind.OPERATOR_FAILURE: (*_COMMON_VARIABLES, "failed_kind", "reasons"),
    MessageKind.COMPLAINT_RECEIPT: _COMPLAINT_VARIABLES,
    MessageKind.COMPLAINT_ANSWER: (*_COMPLAINT_VARIABLES, "answer_text"),
    MessageKind.SURVEY_INVITE: (*_COMMON_VARIABLES, "survey_url", "valid_until"),
    MessageKind.PRIVACY_RECEIPT: _COMMON_VARIABLES,
}

SAMPLE_VALUES = {
    "tracking_code": "RMS-7K2Q-9XWD",
    "requester_name": "Siti Rahmawati",
    "office_name": "Kanwil Ditjenpas Contoh",
    "status_url": "https://remisi.example.go.id/status.html?kode=RMS-7K2Q-9XWD",
    "reason": "foto KTP buram.",
    "prisoner_name": "Budi Santoso",
    "answer_text": "Berdasarkan data SDP, Budi Santoso menerima remisi umum 2 bulan.",
    "failed_kind": "Jawaban",
    "reasons": "email: invalid_email, whatsapp: wa_131026",
    "complaint_number": "ADU-K7Q-M4T-XAR",
    "category": "Jawaban lambat / belum diterima",
    "answer_days": "5",
    "survey_url": "https://remisi.example.go.id/survei.html#t=contoh-token",
    "valid_until": "15 Desember 2026",
}

EDITABLE_EMAIL_TEMPLATES = tuple(EMAIL_TEMPLATES)  # (kind, language) pairs
SUBJECT_MAX = 200
TEXT_MAX = 5000
_ALLOWED_FILTERS = frozenset({"upper", "lower", "title", "capitalize", "trim", "default", "e"})
_ALLOWED_TESTS = frozenset({"defined", "undefined", "none", "eq", "ne", "string"})
_FORBIDDEN_NODES = (
    nodes.For,
    nodes.Macro,
    nodes.CallBlock,
    nodes.Call,
    nodes.Include,
    nodes.Import,
    nodes.FromImport,
    nodes.Extends,
    nodes.Block,
    nodes.FilterBlock,
    nodes.Mul,
    nodes.Pow,
)
# Everything else an admin may write: output, text, a variable, a literal, if/elif/else, a
# conditional expression, the allowed filters and tests, and/or/not, comparisons and ~.
_ALLOWED_NODES = (
    nodes.Output,
    nodes.TemplateData,
    nodes.Name,
    nodes.Const,
    nodes.If,
    nodes.CondExpr,
    nodes.Filter,
    nodes.Test,
    nodes.Not,
    nodes.And,
    nodes.Or,
    nodes.Compare,
    nodes.Operand,
    nodes.Concat,
    nodes.Tuple,
    nodes.List,
    nodes.Keyword,
)
# The tags that declare names or change scope, by the word the admin wrote.
_TAG_WORDS = {
    nodes.Assign: "set",
    nodes.AssignBlock: "set",
    nodes.With: "with",
    nodes.EvalContextModifier: "autoescape",
    nodes.ScopedEvalContextModifier: "autoescape",
}


class TemplateInvalid(ValueError):
    """The message (in Bahasa Indonesia) says what is wrong, for the admin page."""


def sample_context(kind: MessageKind, language: str) -> dict:
    """Exactly the variables `kind` provides, with made-up values."""
    context = {name: SAMPLE_VALUES.get(name, "") for name in TEMPLATE_VARIABLES[kind]}
    context["language"] = _language(language)
    return context


def _check_source(label: str, source: str, allowed_names: set[str], limit: int) -> None:
    if len(source) > limit:
        raise TemplateInvalid(f"{label} terlalu panjang (paling banyak {limit} karakter).")
    if "\x00" in source:
        raise TemplateInvalid(f"{label} berisi karakter yang tidak diizinkan.")
    try:
        tree = _TEXT.parse(source)
    except TemplateSyntaxError as error:
        raise TemplateInvalid(
            f"{label}: penulisan templat salah di baris {error.lineno} "
            "(periksa pasangan {{ }} dan {% %}, serta {% endif %})."
        ) from None
    if any(True for _ in tree.find_all(_FORBIDDEN_NODES)):
        raise TemplateInvalid(
            f"{label}: hanya {{{{ variabel }}}} dan {{% if %}} yang diizinkan "
            "(tanpa perulangan, pemanggilan fungsi, impor, makro, atau perkalian)."
        )
    # Values are text: an attribute or an index can only reach methods and internals, which
    # the sandbox would otherwise refuse only when the template runs.
    if any(True for _ in tree.find_all((nodes.Getattr, nodes.Getitem))):
        raise TemplateInvalid(
            f"{label}: akses atribut atau indeks (seperti .nama atau [0]) tidak diizinkan "
            "(sandbox); tulis nama variabel saja, misalnya {{ tracking_code }}."
        )
    # A named tag first: {% autoescape %} is also wrapped in an anonymous scope node.
    refused = [node for node in tree.find_all(nodes.Node) if not isinstance(node, _ALLOWED_NODES)]
    if refused:
        word = next((_TAG_WORDS[type(n)] for n in refused if type(n) in _TAG_WORDS), None)
        what = f"tag {{% {word} %}}" if word else "bagian templat ini"
        raise TemplateInvalid(
            f"{label}: {what} tidak diizinkan; hanya {{{{ variabel }}}} dan {{% if %}} "
            "yang boleh dipakai."
        )
    for node in tree.find_all((nodes.Filter, nodes.Test)):
        allowed = _ALLOWED_FILTERS if isinstance(node, nodes.Filter) else _ALLOWED_TESTS
        if node.name not in allowed:
            raise TemplateInvalid(f"{label}: penyaring/uji '{node.name}' tidak diizinkan.")
    # Every name is a load of the context (nothing can declare one), so each must be one of
    # the kind's variables; Jinja's own names (self, loop, caller, varargs) are not.
    unknown = sorted({node.name for node in tree.find_all(nodes.Name)} - allowed_names)
    if unknown:
        raise TemplateInvalid(
            f"{label}: variabel tidak dikenal untuk jenis pesan ini: {', '.join(unknown)}."
        )


def validate_email_template(
    kind: MessageKind, language: str, subject: str, text: str
) -> RenderedEmail:
    """Check an admin's template and render it with the sample context. Raises
    TemplateInvalid with a message for the page; returns the preview."""
    if (kind, _language(language)) not in EMAIL_TEMPLATES:
        raise TemplateInvalid("Jenis pesan atau bahasa ini tidak punya templat email.")
    subject = subject.replace("\r\n", "\n")
    text = text.replace("\r\n", "\n")
    if not subject.strip() or not text.strip():
        raise TemplateInvalid("Subjek dan isi tidak boleh kosong.")
    names = set(TEMPLATE_VARIABLES[kind])
    _check_source("Subjek", subject, names, SUBJECT_MAX)
    _check_source("Isi", text, names, TEXT_MAX)
    try:
        rendered = render_email(
            kind, language, sample_context(kind, language), {"subject": subject, "text": text}
        )
    except SecurityError:
        raise TemplateInvalid("Templat mencoba akses yang tidak diizinkan (sandbox).") from None
    except UndefinedError as error:
        raise TemplateInvalid(f"Templat memakai nilai yang tidak ada: {error.message}.") from None
    except (TemplateError, TypeError, ValueError, ArithmeticError, LookupError):
        raise TemplateInvalid("Templat tidak dapat ditampilkan dengan data contoh.") from None
    if not rendered.subject or not rendered.text:
        raise TemplateInvalid("Subjek dan isi hasil tampilan tidak boleh kosong.")
    if len(rendered.subject) > SUBJECT_MAX or len(rendered.text) > TEXT_MAX * 2:
        raise TemplateInvalid("Hasil tampilan terlalu panjang.")
    return rendered
