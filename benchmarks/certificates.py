"""Certificate PDFs: standalone files per second, next to naive rendering, in one run.

N certificates (default 500) of generated holders — Chinese names, identity numbers, a
photo and the QR code to the verification page — are rendered as separate standalone PDFs:
  - this project's way (``create_pdf(..., separate=True)``): one font configuration and
    stylesheet per process, the CJK font cut down once to GB2312 with HarfBuzz and inlined,
    certificates laid out 50 to a document and written out one by one; two processes, one
    per core. Timed end to end, process start and font preparation included;
  - the anchor: one WeasyPrint render per certificate with a fresh font configuration and
    stylesheet each time and the system's Noto Serif CJK face (measured on --naive of them).
Every file must be a PDF; a sample is checked with pdffonts (a CJK font embedded) and its QR
code decoded with OpenCV. Run: .venv/bin/python benchmarks/certificates.py [-n 500]
"""

from __future__ import annotations

import argparse
import base64
import io
import multiprocessing
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TEMPLATE = "certificates/pdf/certificate.html"
CHUNK = 50
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国建华志强海燕红梅玉兰晓东卫东振华国庆"


def _app():
    from training_portal import create_app

    instance = tempfile.mkdtemp(prefix="bench-certs-")
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance}/x.sqlite",
            "SECRET_KEY": "bench",
            "STORAGE_DIR": f"{instance}/storage",
            "PORTAL_URL": "https://peixun.example.gov.cn",
        },
        instance_path=instance,
    )


def _photo(rng: random.Random) -> str:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (260, 350), (rng.randrange(150, 230),) * 3)
    draw = ImageDraw.Draw(image)
    draw.ellipse((70, 60, 190, 200), fill=(rng.randrange(180, 230), rng.randrange(140, 190), 130))
    draw.rectangle((40, 220, 220, 350), fill=(30, 40, rng.randrange(60, 140)))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return "data:image/jpeg;base64," + base64.b64encode(out.getvalue()).decode("ascii")


def contexts(n: int) -> list[dict]:
    import segno
    from stdnum.cn import ric

    rng = random.Random(7)
    photos = [_photo(rng) for _ in range(20)]
    result = []
    for i in range(n):
        while True:
            body = (
                f"222402{rng.randrange(1965, 2000)}{rng.randrange(1, 13):02d}{rng.randrange(1, 28):02d}"
                f"{rng.randrange(0, 1000):03d}"
            )
            number = next((body + c for c in "0123456789X" if ric.is_valid(body + c)), None)
            if number:
                break
        serial = f"T26{i + 1:06d}"
        url = f"https://peixun.example.gov.cn/verify/{serial}"
        result.append(
            {
                "serial": serial,
                "name": rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice((1, 2)))),
                "gender": rng.choice(("男", "女")),
                "id_number": number,
                "birth_date": "",
                "category": "特种作业人员",
                "subject": "煤矿瓦斯检查作业",
                "issuer": "吉林省应急管理厅",
                "issued_on": "2026-11-30",
                "valid_until": "2032-11-29",
                "next_review_on": "2029-11-30",
                "photo": photos[i % len(photos)],
                "qr": segno.make(url, error="m").png_data_uri(scale=6, border=2),
                "verify_url": url,
                "special": True,
            }
        )
    return result


def _ours(batch: list[dict]) -> list[bytes]:
    from training_portal.core.pdf import create_pdf

    app = _app()
    with app.app_context():
        pdfs: list[bytes] = []
        for start in range(0, len(batch), CHUNK):
            pdfs += create_pdf(TEMPLATE, batch[start : start + CHUNK], separate=True)
        return pdfs


def _naive(batch: list[dict]) -> list[bytes]:
    from flask import render_template
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    app = _app()
    with app.app_context():
        style = render_template(TEMPLATE.replace(".html", ".css"))
        pdfs = []
        for context in batch:
            fonts = FontConfiguration()
            html = (
                "<!doctype html><html lang='zh-CN'><meta charset='utf-8'><body>"
                + render_template(TEMPLATE, **context)
                + "</body></html>"
            )
            pdfs.append(
                HTML(string=html).write_pdf(
                    stylesheets=[CSS(string=style, font_config=fonts)], font_config=fonts
                )
            )
        return pdfs


def _check(pdfs: list[bytes], sample: list[int], tag: str, contexts_: list[dict]) -> None:
    import cv2

    assert all(p.startswith(b"%PDF-") and p.rstrip().endswith(b"%%EOF") for p in pdfs), "not a PDF"
    with tempfile.TemporaryDirectory() as tmp:
        for index in sample:
            path = Path(tmp) / f"{tag}{index}.pdf"
            path.write_bytes(pdfs[index])
            fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
            assert any("CJK" in line and " yes " in line for line in fonts.splitlines()[2:]), fonts
            subprocess.run(
                ["pdftoppm", "-r", "150", "-png", "-singlefile", str(path), str(path.with_suffix(""))],
                check=True,
            )
            decoded = cv2.QRCodeDetector().detectAndDecode(cv2.imread(str(path.with_suffix(".png"))))[0]
            assert decoded == contexts_[index]["verify_url"], (decoded, contexts_[index]["verify_url"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=500, help="certificates (default 500)")
    parser.add_argument("--naive", type=int, default=40, help="certificates rendered the naive way")
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    items = contexts(args.n)

    started = time.perf_counter()
    shares = [items[i :: args.processes] for i in range(args.processes)]
    with multiprocessing.get_context("spawn").Pool(args.processes) as pool:
        parts = pool.map(_ours, shares)
    ours_s = time.perf_counter() - started
    pdfs: list[bytes | None] = [None] * len(items)
    for offset, part in enumerate(parts):
        pdfs[offset :: args.processes] = part
    _check(pdfs, [0, len(items) // 2, len(items) - 1], "ours", items)

    started = time.perf_counter()
    single = _ours(items[: CHUNK * 4])
    single_s = time.perf_counter() - started

    naive_items = items[: args.naive]
    started = time.perf_counter()
    naive = _naive(naive_items)
    naive_s = time.perf_counter() - started
    _check(naive, [0], "naive", naive_items)

    ours_rate, naive_rate = len(items) / ours_s, len(naive_items) / naive_s
    single_rate = len(single) / single_s
    print(
        f"this project, {args.processes} processes: {len(items)} PDFs in {ours_s:.1f} s = "
        f"{ours_rate:.1f} certificates/s (end to end: process start and font preparation included); "
        f"median file {statistics.median(len(p) for p in pdfs) / 1024:.0f} KiB"
    )
    print(
        f"this project, 1 process: {len(single)} PDFs in {single_s:.1f} s = {single_rate:.1f}/s (end to end)"
    )
    print(
        f"anchor (naive: a fresh configuration per certificate, 1 process): {len(naive)} PDFs in "
        f"{naive_s:.1f} s = {naive_rate:.2f} certificates/s; median file "
        f"{statistics.median(len(p) for p in naive) / 1024:.0f} KiB"
    )
    print(
        f"ratio: 1 process {single_rate / naive_rate:.1f}x the naive rate (target >= 2.5x), "
        f"{args.processes} processes {ours_rate / naive_rate:.1f}x (target >= 4x); every file a PDF, "
        f"CJK font embedded and QR code decoded on the samples"
    )


if __name__ == "__main__":
    main()
