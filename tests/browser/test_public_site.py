"""The public site on a 360×640 phone: the form, the KTP upload, the confirmation, the status page,
the English switch, accessibility and page weight, against the whole local stack."""

from __future__ import annotations

import io
import json
import re
from datetime import date

import numpy as np
import pytest
import requests
from PIL import Image

from shared import site_files
from shared.domain.form import MESSAGES, message, normalize_whatsapp
from tests.browser.conftest import USABLE_PROBE, axe_violations, screenshot, transferred_bytes
from tests.conftest import today_wib, wait_for
from tests.samples import form_payload, jpeg_bytes

pytestmark = [pytest.mark.browser, pytest.mark.integration]

PHONE = "0812 3456 7890"
EMAIL = "siti.contoh@example.id"


def big_photo(tmp_path, target: int = 5_000_000):
    """A phone-camera-like JPEG of about `target` bytes (noise on a gradient: hard to compress)."""
    rng = np.random.default_rng(7)
    width, height = 3000, 2250
    base = (
        np.linspace(40, 200, width, dtype=np.float32)[None, :, None].repeat(height, 0).repeat(3, 2)
    )
    for amplitude in (30, 45, 60, 80, 100):
        noise = rng.normal(0, amplitude, (height, width, 3)).astype(np.float32)
        pixels = np.clip(base + noise, 0, 255).astype(np.uint8)
        out = io.BytesIO()
        Image.fromarray(pixels).save(out, format="JPEG", quality=92)
        if out.tell() >= target:
            break
    path = tmp_path / "ktp-kamera.jpg"
    path.write_bytes(out.getvalue())
    return path


def fill_form(page, ktp_path) -> None:
    page.fill("#requester_name", "Siti Nurhaliza")
    page.check("input[name=relationship][value=ayah_ibu]")
    page.fill("#address", "Jl. Raya Serang No. 12, Kota Serang, Banten")
    page.fill("#whatsapp", PHONE)
    page.fill("#email", EMAIL)
    page.set_input_files("#ktp", str(ktp_path))
    page.fill("#prisoner_name", "Ahmad Fauzi bin Hasan")
    page.fill("#prisoner_upt", "Lapas Kelas IIA Serang")
    page.check("input[name=information_needed][value=riwayat_remisi]")
    page.check("input[name=information_needed][value=tanggal_bebas]")
    page.check("#statement_accepted")
    page.check("#consent_accepted")


def document(firestore_client, request_id):
    return firestore_client.collection("requests").document(request_id).get().to_dict()


def by_code(firestore_client, code):
    snapshot = firestore_client.collection("tracking_codes").document(code).get()
    return snapshot.get("request_id") if snapshot.exists else None


def api_request(stack, data: bytes, content_type="image/jpeg") -> dict:
    payload = form_payload(
        date.fromisoformat(today_wib()), ktp_size=len(data), ktp_content_type=content_type
    )
    answer = requests.post(f"{stack.site_url}/api/submit", json=payload, timeout=10).json()
    upload = answer["upload"]
    put = requests.put(upload["url"], data=data, headers=upload["headers"], timeout=10)
    assert put.status_code == 200, put.text
    return answer


def test_a_phone_photo_of_5_mb_is_shrunk_uploaded_and_reaches_the_operator(
    page, site, local_stack, firestore_client, tmp_path
):
    photo = big_photo(tmp_path)
    assert photo.stat().st_size > 4_500_000
    page.goto(site)
    page.wait_for_load_state("networkidle")
    weight = transferred_bytes(page)
    total = sum(weight.values())
    print(f"\nform page weight: {total} bytes transferred in {len(weight)} requests")
    for name, size in sorted(weight.items(), key=lambda item: -item[1]):
        print(f"  {size:>7}  {name.replace(local_stack.site_url, '')}")
    assert total < 100_000
    assert all(name.startswith(local_stack.site_url) for name in weight), "no third party"
    screenshot(page, "01-form-empty")

    fill_form(page, photo)
    page.wait_for_selector("#ktp-info:has-text('diperkecil')")
    info = page.text_content("#ktp-info")
    assert re.search(r"Foto diperkecil dari 4,\d MB|Foto diperkecil dari 5,\d MB", info), info
    screenshot(page, "02-form-filled")
    # Record the upload's progress events as the page's XHR sees them (kept across navigation).
    page.evaluate(
        """() => { const send = XMLHttpRequest.prototype.send;
        XMLHttpRequest.prototype.send = function (body) {
          if (body instanceof Blob) {
            sessionStorage.setItem('probe-size', String(body.size));
            this.upload.addEventListener('progress', e => sessionStorage.setItem('probe-progress',
              (sessionStorage.getItem('probe-progress') || '') + ' ' + e.loaded));
          }
          return send.call(this, body);
        }; }"""
    )
    page.click("#submit")
    page.wait_for_url(re.compile(r"selesai\.html#"), timeout=60_000)
    uploaded = int(page.evaluate("sessionStorage.getItem('probe-size')"))
    assert 0 < uploaded < 2 * 1024 * 1024, "the photo went up under 2 MB"
    progress = [int(p) for p in page.evaluate("sessionStorage.getItem('probe-progress')").split()]
    assert progress and progress[-1] == uploaded, "progress events up to the whole file"
    code = page.text_content("#code")
    assert re.fullmatch(r"[A-Z0-9]{3}-[A-Z0-9]{3}-[A-Z0-9]{3}", code)
    assert page.is_visible("text=Langkah selanjutnya")
    # When to expect the answer, from the office's calendar (computed by the server).
    expected = page.text_content("#expected")
    line = r"Perkiraan jawaban: \w+, \d{1,2} \w+( \d{4})?, sebelum pukul \d\d\.00"
    assert re.fullmatch(line, expected), expected
    screenshot(page, "03-confirmation")

    request_id = by_code(firestore_client, code)
    stored = wait_for(
        lambda: (
            (d := document(firestore_client, request_id))
            and d["status"] == "awaiting_operator"
            and d
        ),
        timeout=40,
    )
    assert stored["requester"]["whatsapp"] == "+6281234567890"
    assert stored["ktp"]["declared_size"] < 2 * 1024 * 1024
    assert 0 < stored["ktp"]["verified_size"] < 2 * 1024 * 1024

    # The status link carries the code, and the contact from this visit is filled in.
    page.click("#status-link")
    page.wait_for_url(re.compile(r"status\.html\?kode="))
    assert page.input_value("#tracking_code") == code
    assert page.input_value("#contact") == PHONE
    page.click("#check")
    page.wait_for_selector("#result:not([hidden])")
    assert page.text_content("#result-title") == "Menunggu verifikasi petugas"
    assert page.text_content("#result-expected").startswith("Perkiraan jawaban: ")
    items = page.locator("#timeline li").all_text_contents()
    assert items[0].startswith("Formulir diterima, menunggu foto KTP")
    assert any(item.startswith("Foto KTP diterima") for item in items)
    assert page.is_hidden("#reupload")
    screenshot(page, "05-status")


def test_every_validation_error_in_indonesian(page, site):
    page.goto(site)
    page.click("#submit")
    page.wait_for_selector("#summary:not([hidden])")
    assert page.evaluate("document.activeElement.id") == "summary"
    expected = {
        "requester_name": message("required"),
        "relationship": message("required"),
        "address": message("required"),
        "whatsapp": message("required"),
        "email": message("required"),
        "ktp": message("required"),
        "prisoner_name": message("required"),
        "information_needed": message("choose_at_least_one"),
        "statement_accepted": message("must_accept"),
        "consent_accepted": message("must_accept"),
    }
    for field, text in expected.items():
        assert page.text_content(f"#{field}-err") == text, field
        if field not in ("relationship", "information_needed"):
            assert page.get_attribute(f"#{field}", "aria-invalid") == "true"
    summary = page.locator("#summary-list li").all_text_contents()
    assert len(summary) == len(expected)
    # Each line is "<short name>: <message>", also for the checkboxes whose label is a sentence.
    assert not [line for line in summary if re.search(r"[.:;]\s*:", line)], summary
    assert f"Pernyataan kebenaran data: {message('must_accept')}" in summary
    assert f"Persetujuan pemrosesan data pribadi: {message('must_accept')}" in summary
    assert page.text_content("#summary-title") == f"Ada {len(expected)} isian yang perlu diperbaiki"
    screenshot(page, "04-form-errors")

    # Wrong values: each rule's own message, re-checked as the person corrects them.
    page.fill("#requester_name", "Siti 123")
    page.fill("#address", "Serang")
    page.fill("#whatsapp", "021-555-1234")
    page.fill("#email", "siti@contoh")
    page.fill("#prisoner_name", "A")
    page.fill("#prisoner_birth_date", "2999-01-01")
    page.check("input[name=relationship][value=lainnya]")
    page.check("input[name=information_needed][value=lainnya]")
    page.fill("#information_other", "apa")
    page.click("#submit")
    checks = {
        "requester_name": message("invalid_name"),
        "address": message("too_short", min=10),
        "whatsapp": message("invalid_phone"),
        "email": message("invalid_email"),
        "prisoner_name": message("too_short", min=2),
        "prisoner_birth_date": message("date_in_future"),
        "relationship_other": message("required"),
        "information_other": message("too_short", min=5),
    }
    for field, text in checks.items():
        assert page.text_content(f"#{field}-err") == text, field
    page.fill("#whatsapp", "+62 812-3456-7890")
    page.dispatch_event("#whatsapp", "change")
    assert page.is_hidden("#whatsapp-err")

    # A PDF over 2 MB is refused in the browser, with its size.
    big_pdf = b"%PDF-1.4\n" + b"0" * (2 * 1024 * 1024 + 10)
    page.set_input_files(
        "#ktp", files=[{"name": "ktp.pdf", "mimeType": "application/pdf", "buffer": big_pdf}]
    )
    page.wait_for_selector("#ktp-err:not([hidden])")
    assert page.text_content("#ktp-err").startswith("PDF lebih dari 2 MB (2,0 MB)")


def test_the_servers_400_lands_next_to_the_field(page, site, tmp_path):
    """The server's own message, even where the page's check let the value through."""
    small = tmp_path / "ktp.jpg"
    small.write_bytes(jpeg_bytes())
    page.goto(site)
    fill_form(page, small)

    def tamper(route):
        body = route.request.post_data_json
        body["email"] = "bukan-email"
        body["relationship"] = "tetangga"
        route.continue_(post_data=json.dumps(body))

    page.route("**/api/submit", tamper)
    page.click("#submit")
    page.wait_for_selector("#email-err:not([hidden])")
    assert page.text_content("#email-err") == MESSAGES["invalid_email"]["id"]
    assert page.text_content("#relationship-err") == MESSAGES["invalid_choice"]["id"]
    assert page.is_visible("#summary")


def test_the_page_normalises_phone_numbers_as_the_server_does(page, site):
    page.goto(site)
    page.wait_for_function("window.Remisi")
    samples = [
        "0812 3456 7890",
        "+62 812-3456-7890",
        "62812345678",
        "812345678",
        "(0812) 3456.7890",
        "0812345",
        "021 555 1234",
        "+1 202 555 0100",
        "08123456789012",
        "0800 1234 567",
        "62 0812 3456 789",
        "0812-abc-123",
        "",
        "+",
        "08 12 34 56 78 90",
    ]
    in_page = page.evaluate(
        "(s) => window.Remisi.rules().then(r => s.map(x => window.Remisi.normalizePhone(x, r)))",
        samples,
    )
    assert in_page == [normalize_whatsapp(s) for s in samples]


def test_status_page_one_answer_for_wrong_pairs_and_a_new_upload_after_rejection(
    page, site, local_stack, firestore_client, tmp_path
):
    answer = api_request(local_stack, b"MZ\x90\x00 not a photo at all" * 10)
    wait_for(
        lambda: document(firestore_client, answer["request_id"])["status"] == "upload_rejected"
    )
    page.goto(site + "status.html")
    page.fill("#tracking_code", answer["tracking_code"])
    page.fill("#contact", "0813 9999 0000")
    page.click("#check")
    page.wait_for_selector("#summary:not([hidden])")
    wrong = page.text_content("#summary-title")
    assert wrong.startswith("Kode pelacakan dan nomor WhatsApp/email tidak cocok")
    assert page.is_hidden("#result")

    page.fill("#contact", EMAIL.upper())
    page.click("#check")
    page.wait_for_selector("#result:not([hidden])")
    assert page.text_content("#result-title") == "Foto KTP tidak dapat diterima"
    assert page.text_content("#result-rejection").startswith("Berkas bukan JPG, PNG, atau PDF")
    assert page.is_visible("#reupload")
    screenshot(page, "06-status-rejected")

    good = tmp_path / "ktp-baru.jpg"
    good.write_bytes(jpeg_bytes())
    page.set_input_files("#ktp", str(good))
    page.click("#upload")
    page.wait_for_selector("#upload-text:has-text('KTP terunggah')", timeout=30_000)
    # The old rejection goes at once; the page then follows the check (under a second) by itself.
    assert page.is_hidden("#result-rejection")
    assert page.text_content("#result-title") != "Foto KTP tidak dapat diterima"
    page.wait_for_function(
        """() => ['Foto KTP diterima', 'Menunggu verifikasi petugas',
            'Sedang dicocokkan dengan Sistem Database Pemasyarakatan (SDP)']
            .includes(document.getElementById('result-title').textContent)""",
        timeout=4_000,
    )
    page.wait_for_selector("#result-title:text('Menunggu verifikasi petugas')", timeout=20_000)
    assert page.is_hidden("#reupload")
    assert page.is_hidden("#result-rejection")
    items = page.locator("#timeline li").all_text_contents()
    texts = [re.sub(r"\d.*WIB$", "", item) for item in items]
    assert texts[:3] == [
        "Formulir diterima, menunggu foto KTP",
        "Foto KTP tidak dapat diterima",
        "Menunggu foto KTP yang baru",
    ], items
    assert len(set(texts)) == len(texts), items
    screenshot(page, "06b-status-after-reupload")
    stored = wait_for(
        lambda: (
            (d := document(firestore_client, answer["request_id"]))
            and d["status"] == "awaiting_operator"
            and d
        ),
        timeout=40,
    )
    assert stored["ktp"]["attempt"] == 2
    assert [h["status"] for h in stored["history"]][:3] == [
        "awaiting_upload",
        "upload_rejected",
        "awaiting_upload",
    ]


def test_english_switch(page, site):
    page.goto(site)
    page.click("#lang")
    assert page.get_attribute("html", "lang") == "en"
    assert page.text_content("label[for=requester_name]") == "Your full name"
    assert page.text_content("#lang") == "Bahasa Indonesia"
    page.click("#submit")
    page.wait_for_selector("#summary:not([hidden])")
    assert page.text_content("#whatsapp-err") == MESSAGES["required"]["en"]
    assert page.text_content("#summary-title").endswith("fields need fixing")
    screenshot(page, "07-form-english")
    # The choice is kept for the next page, and switching back restores the Indonesian text.
    page.goto(site + "privasi.html")
    assert page.text_content("h1") == "Privacy notice"
    page.click("#lang")
    assert page.text_content("h1") == "Pemberitahuan privasi"


def test_accessibility_and_a_screenshot_of_every_page(page, site):
    pages = {
        "index": site,
        "confirmation": site + "selesai.html#ACE-FGH-JK3",
        "status": site + "status.html",
        "privacy": site + "privasi.html",
    }
    report = {}
    for name, url in pages.items():
        page.goto(url)
        page.wait_for_load_state("networkidle")
        if name == "privacy":
            assert page.text_content("a[data-office=email]") != "-", "office.json filled in"
            screenshot(page, "08-privacy")
        else:
            screenshot(page, f"09-{name}-as-opened")
        report[name] = [v for v in axe_violations(page) if v["impact"] in ("serious", "critical")]
        weight = sum(transferred_bytes(page).values())
        print(f"\n{name}: {weight} bytes transferred")
    assert report == {name: [] for name in pages}, report


def test_a_tap_after_typing_selects_what_is_under_the_finger(page, site):
    """After a failed submit, the name's error must not vanish on blur and move the radios."""
    page.goto(site)
    page.click("#submit")
    page.wait_for_selector("#summary:not([hidden])")
    page.click("#requester_name")
    page.keyboard.type("Siti Nurhaliza")
    radio = page.locator("input[name=relationship][value=ayah_ibu]")
    label = page.locator("label:has(input[value=ayah_ibu])")
    before = radio.bounding_box()
    box = label.bounding_box()
    # Where the radio is at the moment the name field loses focus, i.e. in the middle of the tap.
    page.evaluate(
        """() => document.getElementById('requester_name').addEventListener('change', () =>
            setTimeout(() => { window.radioTopAfterBlur = document.querySelector(
              'input[value=ayah_ibu]').getBoundingClientRect().top; }), {once: true})"""
    )
    page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert radio.is_checked(), "the tap selected Ayah/Ibu"
    after = radio.bounding_box()
    assert abs(after["y"] - before["y"]) < 1, (before, after)
    top = page.evaluate("window.radioTopAfterBlur")
    assert top is not None and abs(top - before["y"]) < 1, (top, before)
    assert page.is_hidden("#requester_name-err"), "a corrected name has no error"
    assert page.is_hidden("#relationship-err")
    screenshot(page, "04b-form-errors-being-fixed")


def test_the_files_real_type_is_checked_in_the_browser(page, site):
    page.goto(site)
    page.wait_for_function("window.Remisi")
    kinds = page.evaluate(
        """() => window.Remisi.rules().then(rules => Promise.all([
            ['ktp.jpg', 'image/jpeg', 'Ini hanya teks, bukan foto.\\n'],
            ['ktp.jpg', 'image/jpeg', new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10, 0, 0])],
            ['ktp.png', 'image/png', new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16])],
            ['ktp.pdf', 'application/pdf', '%PDF-1.4\\n%%EOF\\n'],
            ['ktp.pdf', 'application/pdf', 'MZ not a pdf at all'],
          ].map(([name, type, body]) => window.Remisi.prepareKtp(
            new File([body], name, {type}), rules).then(r => r.error || r.type))))"""
    )
    assert kinds == ["ktp_not_ktp", "image/png", "image/jpeg", "application/pdf", "ktp_not_ktp"]


def test_a_text_file_named_jpg_is_refused_before_anything_is_sent(page, site, tmp_path):
    fake = tmp_path / "ktp.jpg"
    fake.write_text("Bukan foto, hanya teks yang diberi nama .jpg\n" * 20)
    page.goto(site)
    fill_form(page, fake)
    sent = []
    page.on("request", lambda r: sent.append(r.url) if "/api/" in r.url else None)
    page.click("#submit")
    page.wait_for_selector("#ktp-err:not([hidden])", timeout=5_000)
    assert page.text_content("#ktp-err").startswith("Isi berkas ini bukan foto JPG/PNG atau PDF")
    assert page.get_attribute("#ktp", "aria-invalid") == "true"
    assert sent == [] and "selesai" not in page.url
    screenshot(page, "04c-form-not-a-photo")


def test_on_slow_3g_the_form_is_usable_one_round_trip_after_the_paint(browser, site):
    latency = 2000  # DevTools' "Slow 3G" preset, as in `make bench-pages`
    context = browser.new_context(viewport={"width": 360, "height": 640}, is_mobile=True)
    try:
        page = context.new_page()
        page.add_init_script(USABLE_PROBE)
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        cdp.send(
            "Network.emulateNetworkConditions",
            {
                "offline": False,
                "latency": latency,
                "downloadThroughput": 50_000,
                "uploadThroughput": 50_000,
            },
        )
        page.goto(site, wait_until="commit", timeout=60_000)
        page.wait_for_function("() => window.formUsableAt", timeout=30_000)
        usable, fcp = page.evaluate(
            """() => [window.formUsableAt,
                performance.getEntriesByName('first-contentful-paint')[0].startTime]"""
        )
        print(f"\nslow 3G: paint {fcp:.0f} ms, form usable {usable:.0f} ms")
        assert usable - fcp < latency, (fcp, usable)
    finally:
        context.close()


def test_every_page_carries_its_current_scripts_and_rules():
    # Fails when a script or the rules change without `python -m shared.site_files`: the
    # browser would refuse a stale inlined script (its hash is in the CSP).
    css = site_files.STYLESHEET.read_text(encoding="utf-8")
    rules = site_files.render(site_files.rules())
    for name in site_files.PAGES:
        page = (site_files.SITE / name).read_text(encoding="utf-8")
        assert page == site_files.generate_page(page, css, rules), name
        assert "<script src=" not in page, name
