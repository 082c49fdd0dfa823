"""The KTP check is bounded before anything is decoded (issue 11: a 4.6 KB JPEG whose header
said 10000 x 4999 was accepted and the check peaked at 809 MB; four at once reached 2.5 GB,
and the memory was not handed back)."""

import io
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from PIL import Image

from localdev import bench_ktp
from shared import ktp_inspection
from shared.config import FUNCTION_SETTINGS, KTP_CHECK_SETTINGS, Settings
from shared.ktp_inspection import CheckBusy, KtpLimits, inspect_ktp
from tests.unit.test_config import LOCAL

ROOT = Path(__file__).resolve().parents[2]


def jpeg(size, mode="RGB", **options) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, 128 if mode == "L" else (90, 120, 150)).save(out, "JPEG", **options)
    return out.getvalue()


def with_header_size(data: bytes, width: int, height: int) -> bytes:
    """A real JPEG whose frame header is made to say another size (never decoded: refused)."""
    at = next(data.index(m) for m in (b"\xff\xc0", b"\xff\xc2") if m in data)
    size = height.to_bytes(2, "big") + width.to_bytes(2, "big")
    return data[: at + 5] + size + data[at + 9 :]


def stored_size(result) -> tuple[int, int]:
    return Image.open(io.BytesIO(result.sanitized)).size


@pytest.fixture(scope="module")
def pixel_bomb() -> bytes:
    return bench_ktp.pixel_bomb_jpeg()


def test_the_pixel_bomb_is_decoded_at_reduced_scale_in_bounded_memory(pixel_bomb, tmp_path):
    """In a fresh process (its own high-water mark): the old check peaked at 809 MB."""
    path = tmp_path / "bomb.jpg"
    path.write_bytes(pixel_bomb)
    figures = bench_ktp.measure(path, "image/jpeg", repeats=0)
    assert figures["accepted"]
    assert figures["peak_mb"] - figures["base_mb"] < 60, figures
    assert figures["after_mb"] - figures["base_mb"] < 20, "the memory is handed back"
    # Four at once on one instance: one check at a time, so the peak does not add up.
    together = bench_ktp.measure(path, "image/jpeg", repeats=0, threads=4)
    assert together["peak_mb"] - together["base_mb"] < 60, together


def test_a_large_jpeg_is_stored_at_the_bounded_size(pixel_bomb):
    result = inspect_ktp(pixel_bomb, "image/jpeg")
    assert result.accepted
    assert max(stored_size(result)) <= KtpLimits.of().max_side
    # A phone-sized photo keeps its shape: decoded at 1/2 or 1/4 straight to the stored size.
    photo = inspect_ktp(jpeg((3000, 2000)), "image/jpeg", KtpLimits.of({"KTP_MAX_SIDE": "1600"}))
    assert stored_size(photo) == (1500, 1000)


@pytest.mark.parametrize(
    ("make", "declared", "code"),
    [
        (bench_ktp.pixel_bomb_png, "image/png", "too_many_pixels"),
        # Under the pixel limit by header, ~200 MB decoded: refused by its decoded size.
        (bench_ktp.decompression_bomb_png, "image/png", "too_many_pixels"),
        (lambda: bench_ktp.png(800, 600, bit_depth=16), "image/png", "unsupported_image"),
        # libjpeg holds a progressive image's every coefficient: 72 MB for 36 MP of grey.
        (
            lambda: with_header_size(jpeg((640, 480), "L", progressive=True), 6000, 6000),
            "image/jpeg",
            "too_many_pixels",
        ),
        (lambda: with_header_size(jpeg((640, 480)), 9000, 6000), "image/jpeg", "too_many_pixels"),
    ],
    ids=["81MP-png", "49MP-png", "16-bit-png", "progressive-36MP", "54MP-jpeg"],
)
def test_what_a_phone_photo_never_is_is_refused_by_its_header(make, declared, code, monkeypatch):
    data = make()

    def never(*_):
        raise AssertionError("decoded before it was refused")

    monkeypatch.setattr(Image.Image, "load", never)
    monkeypatch.setattr("PIL.ImageFile.ImageFile.load", never)
    assert inspect_ktp(data, declared).rejection_code == code


def test_an_animated_png_is_refused():
    frames = [Image.new("RGB", (300, 300), c) for c in ((255, 0, 0), (0, 255, 0))]
    out = io.BytesIO()
    frames[0].save(out, format="PNG", save_all=True, append_images=frames[1:])
    assert inspect_ktp(out.getvalue(), "image/png").rejection_code == "unsupported_image"


def test_a_phone_photo_with_a_gain_map_is_a_jpeg():
    """Phones write their HDR gain map or depth map as a second picture (MPO); the first is
    the photo. The old check called these 'wrong_type'."""
    frames = [Image.new("RGB", (640, 480), (90, 120, 150)), Image.new("RGB", (320, 240))]
    out = io.BytesIO()
    frames[0].save(out, format="MPO", save_all=True, append_images=frames[1:])
    assert Image.open(io.BytesIO(out.getvalue())).format == "MPO"
    result = inspect_ktp(out.getvalue(), "image/jpeg")
    assert result.accepted and stored_size(result) == (640, 480)
    assert Image.open(io.BytesIO(result.sanitized)).format == "JPEG"


def test_one_check_at_a_time_per_instance(monkeypatch):
    running, most = [0], [0]
    real = ktp_inspection._inspect_image

    def counted(*args):
        running[0] += 1
        most[0] = max(most[0], running[0])
        time.sleep(0.02)
        running[0] -= 1
        return real(*args)

    monkeypatch.setattr(ktp_inspection, "_inspect_image", counted)
    data = jpeg((640, 480))
    threads = [threading.Thread(target=inspect_ktp, args=(data, "image/jpeg")) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most[0] == 1


def test_a_check_that_waits_too_long_is_left_for_later(monkeypatch):
    from shared.entrypoints.http import UNAVAILABLE

    monkeypatch.setattr(ktp_inspection, "CHECK_WAIT_SECONDS", 0.05)
    ktp_inspection._ONE_CHECK.acquire()
    try:
        with pytest.raises(CheckBusy) as busy:
            inspect_ktp(jpeg((640, 480)), "image/jpeg")
    finally:
        ktp_inspection._ONE_CHECK.release()
    # An outage to the entry points: the upload waits in the bucket for the reconciliation.
    assert isinstance(busy.value, UNAVAILABLE)


def test_the_limits_are_settings_with_one_default_in_config():
    env = {**LOCAL, "KTP_MAX_PIXELS": "2000000", "KTP_MAX_SIDE": "900"}
    limits = KtpLimits.of(Settings.from_env(env).ktp_limits)
    assert (limits.max_pixels, limits.max_side) == (2_000_000, 900)
    assert limits.pdf_max_pages == KtpLimits.of().pdf_max_pages  # the default, from config
    assert inspect_ktp(jpeg((2000, 1500)), "image/jpeg", limits).rejection_code == (
        "too_many_pixels"
    )
    for function in ("ktp_uploaded", "sweep", "operator"):
        assert set(KTP_CHECK_SETTINGS) <= set(FUNCTION_SETTINGS[function]), function
    with pytest.raises(Exception, match="KTP_MAX_SIDE"):
        Settings.from_env({**LOCAL, "KTP_MAX_SIDE": "99999"})


def test_the_bench_runs_in_a_subprocess_of_its_own():
    """make bench-ktp's module imports without running (the suite does not run it)."""
    answer = subprocess.run(
        [sys.executable, "-m", "localdev.bench_ktp", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "time and peak memory" in answer.stdout
    assert json.dumps(bench_ktp.PEAK_TARGET_MB) == "150"
