"""The published service standard (standar pelayanan) and service pledge (maklumat pelayanan),
written from the configuration, never by hand.

UU 25/2009 Pasal 15 and 22 oblige a unit to publish its standard and pledge; PermenPANRB
15/2014 lists the components: six of service delivery (persyaratan; sistem, mekanisme dan
prosedur; jangka waktu penyelesaian; biaya/tarif; produk pelayanan; penanganan pengaduan, saran
dan masukan) and eight of service management (dasar hukum; sarana, prasarana dan/atau
fasilitas; kompetensi pelaksana; pengawasan internal; jumlah pelaksana; jaminan pelayanan;
jaminan keamanan dan keselamatan pelayanan; evaluasi kinerja pelaksana). Every value that the
code enforces (the office, the SOP's minutes, working hours, the complaint clock, retention,
the KTP rules) is read from where the code reads it, so the page cannot promise what the
service does not do. `shared.site_files` builds the page; a unit test fails when the committed
page drifts from this module.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from html import escape

from shared.domain.complaints import LAPOR_URL
from shared.domain.model import KTP_MAX_BYTES, KtpContentType
from shared.domain.sla import ANSWER_TARGET, VERIFICATION_TARGET, OfficeHours
from shared.office import Office

PAGE = "standar-pelayanan.html"

DAY_NAMES = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")


def setting(name: str, environ: Mapping[str, str]) -> str:
    """A setting as the deployment gives it, else its one default (shared.config)."""
    from shared.config import SETTINGS

    value = environ.get(name, "").strip()
    if value:
        return value
    found = next(s for s in SETTINGS if s.env == name)
    return found.default or found.local_default or ""


@dataclass(frozen=True)
class Component:
    key: str
    title: str
    items: tuple[str, ...]


def _minutes(delta) -> int:
    return int(delta.total_seconds() // 60)


def _hours_text(hours: OfficeHours) -> str:
    first, last = DAY_NAMES[hours.first_day - 1], DAY_NAMES[hours.last_day - 1]
    days = first if first == last else f"{first}–{last}"
    return f"{days}, pukul {hours.opens:%H.%M}–{hours.closes:%H.%M} (UTC{_offset(hours)})"


def _offset(hours: OfficeHours) -> str:
    minutes = int(hours.offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}.{abs(minutes) % 60:02d}"


def components(office: Office, environ: Mapping[str, str]) -> tuple[Component, ...]:
    hours = OfficeHours.parse(setting("SLA_WORKING_HOURS", environ))
    complaint_days = int(setting("COMPLAINT_ANSWER_WORKING_DAYS", environ))
    ktp_max_days = setting("KTP_MAX_DAYS", environ)
    ktp_after_close = setting("KTP_DAYS_AFTER_CLOSE", environ)
    types = ", ".join(t.extension.upper() for t in KtpContentType)
    verify, answer = _minutes(VERIFICATION_TARGET), _minutes(ANSWER_TARGET)
    megabytes = KTP_MAX_BYTES // (1024 * 1024)
    delivery = (
        Component(
            "persyaratan",
            "Persyaratan",
            (
                "Mengisi formulir permohonan secara daring: nama, hubungan dengan "
                "narapidana/anak (keluarga atau pengacara), alamat, nomor WhatsApp aktif, email "
                "aktif, nama narapidana/anak, informasi yang dibutuhkan, dan pernyataan "
                "bertanggal.",
                f"Foto KTP pemohon ({types}, paling besar {megabytes} MB; foto yang lebih besar "
                "diperkecil otomatis di ponsel).",
                "Ponsel atau komputer yang terhubung ke internet (pindai kode QR di loket "
                "atau buka tautan layanan).",
            ),
        ),
        Component(
            "prosedur",
            "Sistem, mekanisme, dan prosedur",
            (
                "Pemohon memindai kode QR atau membuka tautan layanan, lalu mengisi formulir "
                "dan mengunggah foto KTP; pemohon menerima kode pelacakan.",
                "Petugas menerima data dan memverifikasi narapidana/anak pada Sistem Database "
                "Pemasyarakatan (SDP).",
                "Jika data tidak ada di SDP, petugas memberi tahu pemohon melalui WhatsApp dan "
                "email.",
                "Jika data sesuai, petugas mengirim informasi yang dibutuhkan melalui WhatsApp "
                "dan email.",
                "Pemohon dapat memeriksa status permohonan kapan saja dengan kode pelacakan "
                "dan nomor WhatsApp atau email yang dipakai.",
            ),
        ),
        Component(
            "waktu",
            "Jangka waktu penyelesaian",
            (
                f"Verifikasi pada SDP: {verify} menit; pemberitahuan atau jawaban: {answer} "
                f"menit berikutnya (jumlah {verify + answer} menit), dihitung pada jam kerja.",
                f"Jam kerja: {_hours_text(hours)}, kecuali hari libur nasional dan cuti "
                "bersama. Permohonan di luar jam kerja diproses pada jam kerja berikutnya; "
                "perkiraan waktu jawaban ditampilkan setelah formulir dikirim.",
                f"Pengaduan dijawab paling lambat {complaint_days} hari kerja.",
            ),
        ),
        Component(
            "biaya",
            "Biaya/tarif",
            ("Gratis. Layanan ini tidak dipungut biaya apa pun.",),
        ),
        Component(
            "produk",
            "Produk pelayanan",
            (
                "Informasi remisi narapidana/anak yang diminta (riwayat dan jumlah remisi, "
                "perkiraan tanggal bebas, syarat pembebasan bersyarat, status SK remisi), "
                "dikirim melalui WhatsApp dan email; atau pemberitahuan bahwa data tidak "
                "ditemukan di SDP.",
            ),
        ),
        Component(
            "pengaduan",
            "Penanganan pengaduan, saran, dan masukan",
            (
                "Formulir pengaduan di situs ini (halaman Pengaduan), dijawab melalui "
                f"WhatsApp dan/atau email paling lambat {complaint_days} hari kerja.",
                f"Kanal pengaduan nasional SP4N-LAPOR! ({LAPOR_URL}).",
                f"Email {office.email}, telepon {office.phone}, atau datang ke {office.name}, "
                f"{office.address} ({office.hours}).",
                "Survei kepuasan masyarakat setelah layanan selesai.",
            ),
        ),
    )
    management = (
        Component(
            "dasar_hukum",
            "Dasar hukum",
            (
                "Undang-Undang Nomor 11 Tahun 2008 tentang Informasi dan Transaksi Elektronik "
                "beserta perubahannya.",
                "Undang-Undang Nomor 25 Tahun 2009 tentang Pelayanan Publik.",
                "Undang-Undang Nomor 22 Tahun 2022 tentang Pemasyarakatan.",
                "Undang-Undang Nomor 27 Tahun 2022 tentang Pelindungan Data Pribadi.",
                "Peraturan Presiden Nomor 76 Tahun 2013 tentang Pengelolaan Pengaduan "
                "Pelayanan Publik.",
                "Peraturan Menteri Hukum dan HAM Nomor 3 Tahun 2018 beserta perubahannya "
                "tentang syarat dan tata cara pemberian remisi.",
                "Peraturan Menteri PANRB Nomor 15 Tahun 2014 tentang Pedoman Standar "
                "Pelayanan dan Nomor 14 Tahun 2017 tentang Survei Kepuasan Masyarakat.",
            ),
        ),
        Component(
            "sarana",
            "Sarana, prasarana, dan/atau fasilitas",
            (
                "Ruang dan meja pelayanan, alat tulis kantor, perangkat teknologi informasi, "
                "papan kode QR.",
                "Situs layanan yang dapat dipakai di ponsel tanpa aplikasi tambahan, dalam "
                "Bahasa Indonesia dan Bahasa Inggris.",
            ),
        ),
        Component(
            "kompetensi",
            "Kompetensi pelaksana",
            (
                "Mampu berkomunikasi dengan publik dan berkoordinasi secara internal.",
                "Memahami ketentuan remisi, integrasi, dan Sistem Database Pemasyarakatan.",
                "Memahami pembangunan zona integritas menuju Wilayah Bebas dari Korupsi dan "
                "Wilayah Birokrasi Bersih dan Melayani.",
            ),
        ),
        Component(
            "pengawasan",
            "Pengawasan internal",
            (
                "Pengawasan oleh atasan langsung dan aparat pengawas internal.",
                "Setiap tindakan petugas pada permohonan dan pengaduan tercatat dalam jejak "
                "audit elektronik.",
            ),
        ),
        Component(
            "jumlah_pelaksana",
            "Jumlah pelaksana",
            (
                "Petugas bernama dengan peran Operator Divpas (menerima dan memeriksa) dan "
                f"Operator Remisi (memverifikasi dan menjawab) pada {office.name}, "
                "sekurang-kurangnya satu orang untuk setiap peran pada jam kerja.",
            ),
        ),
        Component(
            "jaminan",
            "Jaminan pelayanan",
            (
                "Pelayanan tidak dipungut biaya.",
                "Pelayanan diberikan dengan ramah dan tidak diskriminatif.",
                "Pelayanan berbasis teknologi.",
                "Pelayanan diberikan sesuai dengan standar operasional prosedur yang ditetapkan.",
            ),
        ),
        Component(
            "keamanan",
            "Jaminan keamanan dan keselamatan pelayanan",
            (
                "Data pribadi diproses hanya untuk menjawab permohonan, sesuai Undang-Undang "
                "Nomor 27 Tahun 2022.",
                "Foto KTP disimpan di penyimpanan tertutup, hanya dapat dilihat petugas yang "
                f"berwenang, dan dihapus {ktp_after_close} hari setelah permohonan selesai "
                f"(paling lambat {ktp_max_days} hari setelah dikirim).",
                "Informasi jawaban hanya diberikan kepada pemohon melalui nomor WhatsApp dan "
                "email yang didaftarkan.",
            ),
        ),
        Component(
            "evaluasi",
            "Evaluasi kinerja pelaksana",
            (
                "Laporan bulanan: jumlah permohonan, hasil, dan kepatuhan waktu penyelesaian; "
                "jumlah pengaduan dan ketepatan waktu jawabannya.",
                "Survei kepuasan masyarakat sekurang-kurangnya sekali setahun; hasilnya diumumkan.",
            ),
        ),
    )
    return delivery + management


def pledge(office: Office) -> str:
    """The maklumat pelayanan, in the words PermenPANRB 15/2014 gives as its model."""
    return (
        "Dengan ini kami menyatakan sanggup menyelenggarakan pelayanan sesuai standar "
        "pelayanan yang telah ditetapkan dan apabila tidak menepati janji ini, kami siap "
        f"menerima sanksi sesuai peraturan perundang-undangan yang berlaku. — {office.name}"
    )


_HEAD = """<!doctype html>
<html lang="id">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'self'; script-src 'self'; \
style-src 'self'; object-src 'none'; base-uri 'none'">
<meta name="referrer" content="no-referrer">
<title>Standar pelayanan — Layanan Informasi Remisi</title>
<link rel="stylesheet" href="app.css">
</head>
<body data-title-en="Service standard — Remission Information Service">
<!-- Generated by shared/service_standard.py (python -m shared.site_files): do not edit. -->
<header><div class="bar">
 <div><p class="office" data-office="name">{office}</p><h1>Standar pelayanan</h1></div>
</div></header>
<nav class="links" aria-label="Menu"><a href="./" data-i18n="nav_form">Formulir permohonan</a>\
<a href="status.html" data-i18n="nav_status">Cek status permohonan</a>\
<a href="pengaduan.html" data-i18n="ft_form">Sampaikan pengaduan</a></nav>
<main id="main">
<p>Standar pelayanan Layanan Informasi Remisi pada {office}, disusun menurut Peraturan \
Menteri PANRB Nomor 15 Tahun 2014. Halaman ini dalam Bahasa Indonesia.</p>
<section class="card" aria-labelledby="maklumat">
 <h2 id="maklumat">Maklumat pelayanan</h2>
 <p><strong>{pledge}</strong></p>
</section>
"""

_FOOT = """</main>
<footer><p data-i18n="free">Layanan tidak dipungut biaya.</p>
<p class="complaints"><span data-i18n="ft_complain">Ada keluhan tentang layanan ini?</span> \
<a href="pengaduan.html" data-i18n="ft_form">Sampaikan pengaduan</a> · \
<a href="https://www.lapor.go.id" rel="noopener noreferrer">SP4N-LAPOR!</a> · \
<a href="standar-pelayanan.html" data-i18n="ft_standard">Standar pelayanan</a></p></footer>
<script src="app.js"></script>
</body>
</html>
"""


def page(office: Office, environ: Mapping[str, str] | None = None) -> str:
    """The page's source (site_files inlines its stylesheet and script, as for every page)."""
    environ = os.environ if environ is None else environ
    parts = [_HEAD.format(office=escape(office.name), pledge=escape(pledge(office)))]
    all_components = components(office, environ)
    groups = (
        ("penyampaian", "Komponen penyampaian pelayanan", all_components[:6]),
        ("pengelolaan", "Komponen pengelolaan pelayanan", all_components[6:]),
    )
    for key, title, group in groups:
        parts.append(f'<section class="card" aria-labelledby="{key}">\n <h2 id="{key}">')
        parts.append(f"{escape(title)}</h2>\n <ol>\n")
        for component in group:
            parts.append(f'  <li id="{component.key}"><strong>{escape(component.title)}</strong>')
            parts.append("\n   <ul>\n")
            parts.extend(f"    <li>{escape(item)}</li>\n" for item in component.items)
            parts.append("   </ul>\n  </li>\n")
        parts.append(" </ol>\n</section>\n")
    parts.append(_FOOT)
    return "".join(parts)
