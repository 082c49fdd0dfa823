"""The published service standard is the configuration's: the committed page is what the
generator writes, it has every component PermenPANRB 15/2014 lists, and it changes with the
settings it states. Every public page links the complaint form and SP4N-LAPOR!."""

import re

from shared import service_standard, site_files
from shared.domain.complaints import LAPOR_URL, Category
from shared.office import Office

COMPONENTS = (
    "Persyaratan",
    "Sistem, mekanisme, dan prosedur",
    "Jangka waktu penyelesaian",
    "Biaya/tarif",
    "Produk pelayanan",
    "Penanganan pengaduan, saran, dan masukan",
    "Dasar hukum",
    "Sarana, prasarana, dan/atau fasilitas",
    "Kompetensi pelaksana",
    "Pengawasan internal",
    "Jumlah pelaksana",
    "Jaminan pelayanan",
    "Jaminan keamanan dan keselamatan pelayanan",
    "Evaluasi kinerja pelaksana",
)


def _built(office: Office, environ: dict) -> str:
    rules_json = site_files.render(site_files.rules())
    css = site_files.STYLESHEET.read_text(encoding="utf-8")
    source = service_standard.page(office, environ)
    return site_files.generate_page(source, css, rules_json)


def test_the_committed_page_is_what_the_configuration_writes():
    committed = (site_files.SITE / service_standard.PAGE).read_text(encoding="utf-8")
    assert committed == _built(Office.from_env({}), {}), (
        "static_site/standar-pelayanan.html drifted: run python -m shared.site_files"
    )


def test_every_component_of_the_regulation_in_its_order_and_the_pledge():
    page = service_standard.page(Office.from_env({}), {})
    titles = re.findall(r'<li id="\w+"><strong>([^<]+)</strong>', page)
    assert tuple(t.replace("&amp;", "&") for t in titles) == COMPONENTS
    assert "Maklumat pelayanan" in page
    assert "kami siap menerima sanksi sesuai peraturan perundang-undangan" in page
    assert "Gratis" in page and LAPOR_URL in page


def test_the_page_states_the_sop_times_and_the_settings_the_code_keeps():
    office = Office.from_env({})
    default = service_standard.page(office, {})
    assert "Verifikasi pada SDP: 3 menit" in default and "5 menit berikutnya" in default
    assert "Senin–Jumat, pukul 08.00–16.00 (UTC+07.00)" in default
    assert "paling lambat 5 hari kerja" in default and "JPG, PNG, PDF" in default
    changed = service_standard.page(
        Office.from_env({"OFFICE_NAME": "Kanwil <Contoh>", "OFFICE_EMAIL": "pengaduan@contoh.id"}),
        {"COMPLAINT_ANSWER_WORKING_DAYS": "3", "SLA_WORKING_HOURS": "1-6 07:30-15:00 +07:00"},
    )
    assert "paling lambat 3 hari kerja" in changed and "5 hari kerja" not in changed
    assert "Senin–Sabtu, pukul 07.30–15.00" in changed
    assert "Kanwil &lt;Contoh&gt;" in changed and "<Contoh>" not in changed
    assert "pengaduan@contoh.id" in changed


def test_every_public_page_links_the_complaint_form_lapor_and_the_standard():
    for name in site_files.PAGES:
        page = (site_files.SITE / name).read_text(encoding="utf-8")
        footer = page[page.index("<footer>") :]
        assert 'href="https://www.lapor.go.id"' in footer, name
        assert 'href="pengaduan.html"' in footer, name
        assert 'href="standar-pelayanan.html"' in footer, name


def test_the_complaint_page_offers_exactly_the_categories_the_server_takes():
    page = (site_files.SITE / "pengaduan.html").read_text(encoding="utf-8")
    offered = re.findall(r'name="category" value="(\w+)"', page)
    assert offered == [c.value for c in Category]
    assert (
        "https://" not in re.sub(r'href="https://www\.lapor\.go\.id"', "", page).split("<script")[0]
    )
