"""The one way the portal makes PDFs: ``create_pdf(template, contexts)``.

- The template is a Jinja template of the app; each context is made of plain values only
  (text, numbers, dates, lists and dicts of them), so a template can never reach into the
  database or a user's session while it renders.
- Resources come only from ``data:`` URLs (photos and QR codes are inlined by the caller) and
  the faces cut below: the fetcher refuses ``file://`` and every outside URL, so a name like
  ``<img src="file:///etc/passwd">`` slipped into a field cannot read the server's files.
- Chinese text is set in Noto Serif CJK SC, really embedded: for each call the regular and
  bold faces are cut down (HarfBuzz) to the characters the batch uses, handed to WeasyPrint
  from memory under a ``portal-font:`` URL that only the fetcher holding them answers, and each
  PDF embeds a subset of that small face. Subsetting the 20 MB CJK face for every file is what
  makes naive rendering slow; a face of all GB2312 made each file's own subsetting cost twice
  the rest of its writing, and inlining it as a ``data:`` URL made every new stylesheet cost
  seconds (the CSS tokenizer walks a 12 MB URL character by character).
- Many contexts are laid out as one document (one font configuration, one stylesheet, one
  layout) and, with ``separate=True``, written out page group by page group as standalone PDFs.
"""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from flask import render_template
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

FAMILY = "Noto Serif CJK SC"  # the system face the subsets are cut from
# The name the subsets go by: not the system family's own, or fontconfig picks the full face.
SUBSET_FAMILY = "Noto Serif CJK SC Subset"
_PLAIN = (str, int, float, bool, date, datetime, type(None))


FONT_SCHEME = "portal-font"


class PortalFetcher(URLFetcher):
    """Only ``data:`` URLs and the faces handed to it (``portal-font:<sha256>``, served from
    memory); ``file://``, ``http(s)://`` and everything else are refused."""

    def __init__(self, fonts: Mapping[str, bytes] | None = None) -> None:
        super().__init__(allowed_protocols={"data"}, allow_redirects=False)
        self._fonts = fonts or {}

    def fetch(self, url, headers=None):
        if url.startswith(f"{FONT_SCHEME}:"):
            data = self._fonts.get(url.removeprefix(f"{FONT_SCHEME}:"))
            if data is None:
                raise ValueError(f"no such font: {url}")
            return URLFetcherResponse(url, data, {"Content-Type": "font/otf"})
        return super().fetch(url, headers)


def _check_plain(value: Any, where: str = "context") -> None:
    if isinstance(value, _PLAIN):
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{where}: keys must be text")
            _check_plain(item, f"{where}.{key}")
        return
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check_plain(item, f"{where}[{index}]")
        return
    raise TypeError(f"{where} is a {type(value).__name__}; PDF templates get plain values only")


@lru_cache(maxsize=4)
def _font_file(weight: str) -> tuple[str, int] | None:
    """(path, index in the collection) of the system's Noto Serif CJK SC face, via fontconfig."""
    try:
        out = subprocess.run(
            ["fc-match", "-f", "%{file}\n%{index}", f"{FAMILY}:{weight}"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.split("\n")
    except (OSError, subprocess.SubprocessError):
        return None
    if len(out) < 2 or "CJK" not in out[0]:
        return None
    return out[0], int(out[1] or 0)


_HB_CDEF = """
typedef struct hb_blob_t hb_blob_t; typedef struct hb_face_t hb_face_t;
typedef struct hb_set_t hb_set_t; typedef struct hb_subset_input_t hb_subset_input_t;
hb_blob_t *hb_blob_create_from_file(const char *file_name);
void hb_blob_destroy(hb_blob_t *blob);
const char *hb_blob_get_data(hb_blob_t *blob, unsigned int *length);
hb_face_t *hb_face_create(hb_blob_t *blob, unsigned int index);
void hb_face_destroy(hb_face_t *face);
hb_blob_t *hb_face_reference_blob(hb_face_t *face);
void hb_set_add(hb_set_t *set, uint32_t codepoint);
hb_subset_input_t *hb_subset_input_create_or_fail(void);
void hb_subset_input_destroy(hb_subset_input_t *input);
hb_set_t *hb_subset_input_unicode_set(hb_subset_input_t *input);
hb_face_t *hb_subset_or_fail(hb_face_t *source, const hb_subset_input_t *input);
"""


@lru_cache(maxsize=1)
def _harfbuzz():
    """HarfBuzz's subsetter (libharfbuzz-subset0, which the Makefile installs), through cffi."""
    from cffi import FFI

    ffi = FFI()
    ffi.cdef(_HB_CDEF)
    return ffi, ffi.dlopen("libharfbuzz.so.0"), ffi.dlopen("libharfbuzz-subset.so.0")


def _subset(path: str, index: int, characters: frozenset[str]) -> bytes:
    ffi, hb, hb_subset = _harfbuzz()
    blob = hb.hb_blob_create_from_file(path.encode())
    face = hb.hb_face_create(blob, index)
    request = hb_subset.hb_subset_input_create_or_fail()
    try:
        unicodes = hb_subset.hb_subset_input_unicode_set(request)
        for character in characters:
            hb.hb_set_add(unicodes, ord(character))
        result = hb_subset.hb_subset_or_fail(face, request)
        if result == ffi.NULL:
            raise RuntimeError(f"HarfBuzz could not subset {path}")
        out_blob = hb.hb_face_reference_blob(result)
        length = ffi.new("unsigned int *")
        data = bytes(ffi.buffer(hb.hb_blob_get_data(out_blob, length), length[0]))
        hb.hb_blob_destroy(out_blob)
        hb.hb_face_destroy(result)
        return data
    finally:
        hb_subset.hb_subset_input_destroy(request)
        hb.hb_face_destroy(face)
        hb.hb_blob_destroy(blob)


# Always in the cut faces: ASCII (the serial's letters, dates, spaces), whatever the batch says.
ASCII = frozenset(chr(c) for c in range(32, 127))


def _faces(characters: frozenset[str]) -> tuple[str, dict[str, bytes]]:
    """@font-face rules for the regular and bold faces cut down to ``characters``, and the cut
    faces by the name the rules fetch them by (HarfBuzz cuts a few hundred characters from the
    20 MB face in about 20 ms)."""
    rules, fonts = [], {}
    for weight, css_weight in (("regular", 400), ("bold", 700)):
        found = _font_file(weight)
        if found is None:
            continue  # the system's fonts through fontconfig: correct, only slower
        data = _subset(*found, characters)
        name = hashlib.sha256(data).hexdigest()
        fonts[name] = data
        rules.append(
            f'@font-face {{ font-family: "{SUBSET_FAMILY}"; font-weight: {css_weight}; '
            f"src: url({FONT_SCHEME}:{name}); }}\n"
        )
    return "".join(rules), fonts


def create_pdf(template: str, contexts: Sequence[dict], *, separate: bool = False) -> bytes | list[bytes]:
    """Render ``template`` (``x.html``, with its stylesheet ``x.css`` beside it) once per
    context. One PDF of all of them (print-ready), or with ``separate=True`` a list of
    standalone PDFs, one per context; every context must give the same number of pages."""
    if not contexts:
        raise ValueError("nothing to render")
    for number, context in enumerate(contexts):
        _check_plain(context, f"contexts[{number}]")
    bodies = [render_template(template, **context) for context in contexts]
    style = render_template(template.removesuffix(".html") + ".css")
    # A face cut to this batch's own characters and a font configuration of its own: each PDF
    # then subsets a face of a few hundred glyphs, not thousands, and nothing accumulates.
    faces, fonts = _faces(ASCII | frozenset("".join(bodies) + style))
    font_config = FontConfiguration()
    stylesheet = CSS(string=faces + style, font_config=font_config, url_fetcher=PortalFetcher(fonts))
    html = (
        "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'></head><body>"
        + "".join(bodies)
        + "</body></html>"
    )
    document = HTML(string=html, url_fetcher=PortalFetcher()).render(
        stylesheets=[stylesheet], font_config=font_config
    )
    if not separate:
        return document.write_pdf()
    if len(document.pages) % len(contexts):
        raise ValueError("each context must give the same number of pages")
    per = len(document.pages) // len(contexts)
    return [
        document.copy(document.pages[i : i + per]).write_pdf() for i in range(0, len(document.pages), per)
    ]
