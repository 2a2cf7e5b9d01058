"""A y4m file for Chromium's fake camera, made from a photograph: the photo centred on a grey
640 × 480 frame, as I420 (4:2:0) planes."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image

WIDTH, HEIGHT = 640, 480


def write_y4m(path: Path, jpeg: bytes, frames: int = 2) -> None:
    photo = Image.open(io.BytesIO(jpeg)).convert("RGB")
    photo.thumbnail((WIDTH, HEIGHT))
    frame = Image.new("RGB", (WIDTH, HEIGHT), (128, 128, 128))
    frame.paste(photo, ((WIDTH - photo.width) // 2, (HEIGHT - photo.height) // 2))
    y, u, v = (np.asarray(p) for p in frame.convert("YCbCr").split())
    half = (slice(None, None, 2), slice(None, None, 2))
    body = y.tobytes() + u[half].tobytes() + v[half].tobytes()
    header = f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F30:1 Ip A1:1 C420jpeg\n".encode()
    path.write_bytes(header + (b"FRAME\n" + body) * frames)
