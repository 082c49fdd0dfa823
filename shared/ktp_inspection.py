"""Server-side check of an uploaded KTP: what the bytes really are, not what the browser said.

Every accepted file is stored as pixels only: images are decoded and re-encoded (EXIF with GPS,
XMP, comments, text chunks and ICC profiles stay behind; colours are converted to sRGB first),
and a PDF is never kept: each page is rendered server-side to an image, so nothing it carries
(JavaScript, actions, attachments, an HTML twin) ever reaches an operator's browser.

The check is bounded before anything is decoded: an image's header (size, frames, bit depth)
and a PDF's page count, page sizes and embedded image sizes are read first, and a file that
would need more memory than `KtpLimits` allows is refused unread. A JPEG is decoded at reduced
scale (libjpeg's DCT scaling, Pillow's draft mode) straight to about the stored size. One check
runs at a time per instance, and the memory it took is handed back to the system afterwards.
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import io
import math
import threading
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from shared.domain.model import KTP_MAX_BYTES, KtpContentType

MIN_SIDE = 200
# Enough to read the NIK on a scanned page; a page is rendered at most this fine.
PDF_RENDER_DPI = 200
# The largest page the PDF specification allows (200 inches): larger is not a document.
PDF_MAX_PAGE_POINTS = 14_400
# Forms within forms a page may nest; every image inside them is counted before rendering.
PDF_MAX_FORM_DEPTH = 16
# Objects a page's resources may reach (fonts, forms, images...); a scan needs a few dozen.
PDF_MAX_RESOURCE_NODES = 20_000
JPEG_QUALITY = 85
# How long a check waits for the one before it; then the upload is left to the reconciliation.
CHECK_WAIT_SECONDS = 60

REJECTION_MESSAGES = {
    "empty": {"id": "Berkas KTP kosong.", "en": "The KTP file is empty."},
    "too_large": {"id": "Berkas KTP lebih dari 2 MB.", "en": "The KTP file is larger than 2 MB."},
    "wrong_type": {
        "id": "Berkas bukan JPG, PNG, atau PDF, atau isinya tidak sesuai dengan jenis berkasnya.",
        "en": "The file is not a JPG, PNG or PDF, or its content does not match its type.",
    },
    "unreadable": {
        "id": "Berkas rusak dan tidak dapat dibuka. Silakan foto ulang KTP Anda.",
        "en": "The file is damaged and cannot be opened. Please photograph your KTP again.",
    },
    "too_small": {
        "id": "Gambar terlalu kecil untuk dibaca. Foto KTP dengan lebih dekat dan jelas.",
        "en": "The image is too small to read. Photograph your KTP closer and sharper.",
    },
    "too_many_pixels": {
        "id": "Resolusi gambar terlalu besar. Kirim foto dengan ukuran lebih kecil.",
        "en": "The image resolution is too large. Send a smaller photo.",
    },
    "unsupported_image": {
        "id": "Jenis gambar ini tidak didukung (animasi atau 16 bit). Kirim foto KTP biasa.",
        "en": "This kind of image is not supported (animated or 16-bit). Send a plain photo.",
    },
    "pdf_encrypted": {
        "id": "PDF terkunci kata sandi. Kirim PDF tanpa kata sandi atau foto KTP.",
        "en": "The PDF is password-protected. Send it without a password, or a photo.",
    },
    "pdf_too_many_pages": {
        "id": "PDF terlalu banyak halaman. Kirim halaman KTP saja.",
        "en": "The PDF has too many pages. Send only the KTP page.",
    },
    "pdf_page_too_large": {
        "id": "Ukuran halaman PDF tidak wajar. Kirim foto KTP atau PDF hasil pindai biasa.",
        "en": "The PDF's page size is not plausible. Send a photo or an ordinary scan.",
    },
    "missing": {
        "id": "Berkas KTP tidak ditemukan. Silakan unggah ulang.",
        "en": "The KTP file was not found. Please upload it again.",
    },
    # The malware scanner's verdict (shared.service_layer.services._malware_found).
    "malware": {
        "id": "Berkas KTP terdeteksi mengandung program berbahaya (malware) dan sudah dihapus. "
        "Silakan foto ulang KTP Anda dengan kamera ponsel, lalu unggah foto tersebut.",
        "en": "The KTP file was found to contain malicious software and has been deleted. "
        "Please photograph your KTP again with your phone camera and upload that photo.",
    },
}

# The settings (shared.config) that bound the check; their one default is there.
LIMIT_SETTINGS = {
    "max_pixels": "KTP_MAX_PIXELS",
    "max_decode_mb": "KTP_MAX_DECODE_MB",
    "max_side": "KTP_MAX_SIDE",
    "pdf_max_pages": "KTP_PDF_MAX_PAGES",
}


@dataclass(frozen=True)
class KtpLimits:
    # An image whose header says more pixels (or a PDF page whose images do) is refused unread.
    max_pixels: int
    # Memory one decoded image or rendered page may take, estimated from its header.
    max_decode_mb: int
    # The long side of the stored image, and of each rendered PDF page.
    max_side: int
    pdf_max_pages: int

    @classmethod
    def of(cls, values: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> KtpLimits:
        """From the given settings; a missing one takes its default from shared.config."""
        from shared.config import SETTINGS

        given = dict(values)
        defaults = {s.env: s.default for s in SETTINGS}
        return cls(**{f: int(given.get(env) or defaults[env]) for f, env in LIMIT_SETTINGS.items()})

    @property
    def max_decode_bytes(self) -> int:
        return self.max_decode_mb * 1024 * 1024


class CheckBusy(TimeoutError):
    """Another check held this instance too long; the upload is left to the reconciliation."""


@dataclass(frozen=True)
class StoredImage:
    data: bytes
    content_type: KtpContentType  # JPEG or PNG: what is stored is always an image


@dataclass(frozen=True)
class Inspection:
    accepted: bool
    rejection_code: str | None = None
    content_type: KtpContentType | None = None  # what was uploaded
    # What to store: the cleaned image, or one image per page of a PDF.
    pages: tuple[StoredImage, ...] = ()

    @property
    def sanitized(self) -> bytes | None:
        return self.pages[0].data if self.pages else None

    @property
    def size(self) -> int:
        return sum(len(page.data) for page in self.pages)


def sniff_content_type(data: bytes) -> KtpContentType | None:
    if data.startswith(b"\xff\xd8\xff"):
        return KtpContentType.JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return KtpContentType.PNG
    if data[:1024].lstrip().startswith(b"%PDF-"):
        return KtpContentType.PDF
    return None


_ONE_CHECK = threading.Lock()


def inspect_ktp(
    data: bytes, declared_content_type: str, limits: KtpLimits | None = None
) -> Inspection:
    if not data:
        return Inspection(False, "empty")
    if len(data) > KTP_MAX_BYTES:
        return Inspection(False, "too_large")
    actual = sniff_content_type(data)
    if actual is None or actual.value != declared_content_type:
        return Inspection(False, "wrong_type")
    limits = limits or KtpLimits.of()
    # Instances may serve several events at once: the peaks must not add up.
    if not _ONE_CHECK.acquire(timeout=CHECK_WAIT_SECONDS):
        raise CheckBusy("another KTP check is still running")
    try:
        if actual is KtpContentType.PDF:
            return _inspect_pdf(data, limits)
        return _inspect_image(data, actual, limits)
    finally:
        _ONE_CHECK.release()
        _return_memory()


def stored_image(name: str, data: bytes, limits: KtpLimits | None = None, page: int = 1):
    """What the operator is shown of a stored page: the image as it is, or for a PDF kept
    before PDFs were rendered at the check, its page rendered now (never the PDF itself).
    None: nothing to show (that page does not exist, or the old PDF does not render)."""
    extension = name.rsplit(".", 1)[-1].lower()
    kinds = {ct.extension: ct for ct in KtpContentType}
    content_type = kinds.get(extension)
    if content_type in (KtpContentType.JPEG, KtpContentType.PNG):
        return StoredImage(data, content_type)
    if content_type is KtpContentType.PDF:
        pages = inspect_ktp(data, KtpContentType.PDF.value, limits).pages
        return pages[page - 1] if 0 < page <= len(pages) else None
    return None


def rejection_message(code: str, language: str = "id") -> str:
    texts = REJECTION_MESSAGES.get(code, REJECTION_MESSAGES["unreadable"])
    return texts.get(language, texts["id"])


# --- images -----------------------------------------------------------------------------------


class _Refused(Exception):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


# Bytes per pixel of Pillow's own storage (RGB is kept in four bytes).
_PIXEL_BYTES = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16B": 2, "LA": 4, "RGB": 4, "RGBA": 4}


def _inspect_image(data: bytes, content_type: KtpContentType, limits: KtpLimits) -> Inspection:
    from PIL import Image

    formats = ("JPEG", "MPO") if content_type is KtpContentType.JPEG else ("PNG",)
    try:
        with warnings.catch_warnings():
            # The limits below are ours; Pillow's own bomb check stays as a second line.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=formats) as image:
                image = _decode_bounded(image, limits)
                stored = _clean_copy(image, content_type, limits)
    except _Refused as refused:
        return Inspection(False, refused.code)
    except Image.DecompressionBombError:
        return Inspection(False, "too_many_pixels")
    except (OSError, SyntaxError, ValueError, EOFError):
        return Inspection(False, "unreadable")
    return Inspection(True, content_type=content_type, pages=(stored,))


def _decode_bounded(image, limits: KtpLimits):
    """Refuse by the header what a phone photo never is, then decode no more than needed."""
    width, height = image.size
    if width * height > limits.max_pixels:
        raise _Refused("too_many_pixels")
    if min(width, height) < MIN_SIDE:
        raise _Refused("too_small")
    if getattr(image, "n_frames", 1) > 1 and image.format == "PNG":
        raise _Refused("unsupported_image")  # an animation (APNG)
    if image.format == "PNG" and ";16" in str(image.tile[0].args if image.tile else ""):
        raise _Refused("unsupported_image")
    if image.format in ("JPEG", "MPO") and getattr(image, "bits", 8) != 8:
        raise _Refused("unsupported_image")
    # An MPO (a phone's photo with its depth or gain map) is checked as its first image only.
    scale = 1
    if image.format in ("JPEG", "MPO"):
        # libjpeg scales while it decodes (1/2, 1/4, 1/8): the largest picture within the
        # stored size comes out directly, with no full-size decode and no resampling after.
        scale = next(
            (s for s in (1, 2, 4, 8) if math.ceil(max(width, height) / s) <= limits.max_side), 8
        )
        if scale > 1:
            image.draft(image.mode, (width // scale, height // scale))
    if _decode_bytes(image, width // image.size[0]) > limits.max_decode_bytes:
        raise _Refused("too_many_pixels")
    icc = image.info.get("icc_profile")
    orientation = _orientation(image)
    image.load()
    decoded = image
    if max(decoded.size) > limits.max_side:
        decoded = _shrink(decoded, limits.max_side)
    decoded = _upright(decoded, orientation)
    return _to_srgb(decoded, icc)


def _decode_bytes(image, scale: int) -> int:
    """What decoding will allocate: the picture at the scale it is decoded at, and for a
    progressive JPEG libjpeg's coefficients of the whole image at full size."""
    width, height = image.size
    total = width * height * _PIXEL_BYTES.get(image.mode, 4)
    if image.format in ("JPEG", "MPO") and image.info.get("progressive"):
        full_w, full_h = width * scale, height * scale
        h_max = max(h for _, h, _, _ in image.layer)
        v_max = max(v for _, _, v, _ in image.layer)
        for _, h, v, _ in image.layer:
            blocks = math.ceil(full_w * h / h_max / 8) * math.ceil(full_h * v / v_max / 8)
            total += blocks * 64 * 2
    return total


def _shrink(image, max_side: int):
    """A PNG (or a JPEG past 1/8) larger than the stored size: box-averaged down by a whole
    factor, the cheapest resampling that still reads well."""
    if image.mode in ("P", "1"):  # a palette cannot be averaged
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    return image.reduce(math.ceil(max(image.size) / max_side))


def _orientation(image) -> int:
    # From the header only: Pillow's PNG getexif() would decode the whole image to look for
    # an eXIf chunk after the pixels.
    from PIL import Image

    if image.format == "PNG":
        exif = Image.Exif()
        if image.info.get("exif"):
            exif.load(image.info["exif"])
        return exif.get(0x0112, 1)
    return image.getexif().get(0x0112, 1)


_TRANSPOSE = {2: 0, 3: 3, 4: 1, 5: 5, 6: 4, 7: 6, 8: 2}  # EXIF orientation -> Image.Transpose


def _upright(image, orientation: int):
    # The EXIF orientation goes with the EXIF: turn the pixels the right way up instead.
    method = _TRANSPOSE.get(orientation)
    return image if method is None else image.transpose(method)


def _to_srgb(image, icc: bytes | None):
    """The colours as the profile meant them, in sRGB; the profile itself is not kept. A
    profile that does not parse (arbitrary bytes) is ignored: the pixels are taken as sRGB,
    as they are when the profile is sRGB already (most Android phones' photos)."""
    if image.mode == "CMYK":
        converted = _transform(image, icc, "CMYK", "RGB") if icc else None
        return converted or image.convert("RGB")
    if icc and image.mode in ("RGB", "RGBA"):
        alpha = image.getchannel("A") if image.mode == "RGBA" else None
        rgb = image.convert("RGB") if alpha is not None else image
        converted = _transform(rgb, icc, "RGB", "RGB")
        if converted is not None:
            if alpha is not None:
                converted.putalpha(alpha)
            return converted
    return image


def _transform(image, icc: bytes, in_mode: str, out_mode: str):
    from PIL import ImageCms

    try:
        transform = _srgb_transform(hashlib.sha256(icc).digest(), icc, in_mode, out_mode)
        if transform is None:
            return image if in_mode == out_mode else None
        return ImageCms.applyTransform(image, transform)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return None


@functools.lru_cache(maxsize=8)
def _srgb_transform(_digest: bytes, icc: bytes, in_mode: str, out_mode: str):
    # Phones embed a handful of profiles: building each transform once keeps a check fast.
    from PIL import ImageCms

    source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
    if in_mode == "RGB" and ImageCms.getProfileDescription(source).strip().startswith("sRGB"):
        return None  # already sRGB: converting would only cost time (lcms: ~30 ms a megapixel)
    return ImageCms.buildTransform(source, ImageCms.createProfile("sRGB"), in_mode, out_mode)


def _clean_copy(image, content_type: KtpContentType, limits: KtpLimits) -> StoredImage:
    """Pixels only: a fresh encode with no info carried over (Pillow copies a JPEG comment and
    a PNG's ICC profile from `info` into what it saves)."""
    if content_type is KtpContentType.PNG:
        if image.mode == "P" and "transparency" in image.info:
            image = image.convert("RGBA")
        elif image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
            image = image.convert("RGBA" if "A" in image.mode else "RGB")
        image.info = {}
        data = _encode(image, "PNG")
        if len(data) <= KTP_MAX_BYTES:
            return StoredImage(data, KtpContentType.PNG)
        # A noisy screenshot may not fit again as a PNG; as a photo it does.
    return StoredImage(_encode_jpeg(image), KtpContentType.JPEG)


def _encode_jpeg(image) -> bytes:
    from PIL import Image

    if image.mode in ("RGBA", "LA", "P"):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        image = flat
    elif image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    image.info = {}
    return _encode(image, "JPEG", quality=JPEG_QUALITY)


def _encode(image, image_format: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, format=image_format, **options)
    return out.getvalue()


# --- PDF --------------------------------------------------------------------------------------


def _inspect_pdf(data: bytes, limits: KtpLimits) -> Inspection:
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        code = "pdf_encrypted" if error.err_code == pdfium_c.FPDF_ERR_PASSWORD else "unreadable"
        return Inspection(False, code)
    try:
        pages = _render_pages(document, data, limits)
    except _Refused as refused:
        return Inspection(False, refused.code)
    except (pdfium.PdfiumError, OSError, ValueError):
        return Inspection(False, "unreadable")
    finally:
        document.close()
    return Inspection(True, content_type=KtpContentType.PDF, pages=pages)


def _render_pages(document, data: bytes, limits: KtpLimits) -> tuple[StoredImage, ...]:
    import pypdfium2.raw as pdfium_c

    count = len(document)
    if count == 0:
        raise _Refused("unreadable")
    if count > limits.pdf_max_pages:
        raise _Refused("pdf_too_many_pages")
    declared = _declared_pixels(data, count)
    # Every page is measured before any is rendered: pdfium decodes a page's images in full.
    scales = []
    for index in range(count):
        page = document[index]
        try:
            width, height = page.get_size()
            if not (0 < width <= PDF_MAX_PAGE_POINTS and 0 < height <= PDF_MAX_PAGE_POINTS):
                raise _Refused("pdf_page_too_large")
            pixels = 0
            kinds = (pdfium_c.FPDF_PAGEOBJ_IMAGE, pdfium_c.FPDF_PAGEOBJ_FORM)
            for item in page.get_objects(filter=kinds, max_depth=PDF_MAX_FORM_DEPTH):
                if item.type == pdfium_c.FPDF_PAGEOBJ_IMAGE:
                    pixels += math.prod(item.get_px_size())
                elif item.level >= PDF_MAX_FORM_DEPTH - 1:
                    raise _Refused("unreadable")  # nested deeper than its images were counted
            pixels = max(pixels, declared[index])
            if pixels > limits.max_pixels or pixels * 4 > limits.max_decode_bytes:
                raise _Refused("too_many_pixels")
            scales.append(min(PDF_RENDER_DPI / 72, limits.max_side / max(width, height)))
        finally:
            page.close()
    rendered = []
    for index, scale in enumerate(scales):
        page = document[index]
        try:
            # No forms, no annotations, no scripts: pdfium draws the page's content only.
            bitmap = page.render(scale=scale, may_draw_forms=False, draw_annots=False)
            image = bitmap.to_pil()
            bitmap.close()
        finally:
            page.close()
        rendered.append(StoredImage(_encode_jpeg(image), KtpContentType.JPEG))
        del image
    return tuple(rendered)


def _declared_pixels(data: bytes, count: int) -> list[int]:
    """Per page, the pixels its images declare in their dictionaries, soft masks and masks
    included (pdfium decodes those in full too, and counts only the image itself), through
    forms, patterns and fonts' resources; read by pypdf without decoding any stream."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            reader.decrypt("")  # pdfium opened it: no user password
        if len(reader.pages) != count:
            raise _Refused("unreadable")  # the two readers disagree about the document
        return [_resource_pixels(_resources_of(page)) for page in reader.pages]
    except (PyPdfError, OSError, ValueError, KeyError, TypeError, RecursionError) as error:
        raise _Refused("unreadable") from error


def _resources_of(page):
    node, resources = page, page.get("/Resources")
    for _ in range(32):  # inherited from the page tree, as the specification allows
        if resources is not None or "/Parent" not in node:
            break
        node = node["/Parent"].get_object()
        resources = node.get("/Resources")
    return resources


def _resource_pixels(resources) -> int:
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    total, seen, todo, steps = 0, set(), [resources], 0
    while todo:
        node = todo.pop()
        steps += 1
        if steps > PDF_MAX_RESOURCE_NODES:
            raise _Refused("unreadable")
        if isinstance(node, IndirectObject):
            if (node.idnum, node.generation) in seen:
                continue
            seen.add((node.idnum, node.generation))
            node = node.get_object()
        if isinstance(node, ArrayObject):
            todo.extend(v for v in node if isinstance(v, IndirectObject | DictionaryObject))
        elif isinstance(node, DictionaryObject):  # streams too
            if node.get("/Subtype") == "/Image":
                total += _number(node, "/Width") * _number(node, "/Height")
            todo.extend(
                v
                for k, v in node.items()
                if k not in ("/Parent", "/P")
                and isinstance(v, IndirectObject | DictionaryObject | ArrayObject)
            )
    return total


def _number(node, key: str) -> int:
    value = node.get(key, 0)
    return int(value.get_object() if hasattr(value, "get_object") else value)


# --- memory -----------------------------------------------------------------------------------


@functools.cache
def _libc():
    try:
        libc = ctypes.CDLL("libc.so.6")
        return libc if hasattr(libc, "malloc_trim") else None
    except OSError:  # not glibc (macOS, musl): nothing to hand back this way
        return None


def _return_memory() -> None:
    # glibc keeps freed decode buffers in its heap for the next caller; an instance idles
    # between uploads, so hand them back to the system (what the 512 MiB limit counts).
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
