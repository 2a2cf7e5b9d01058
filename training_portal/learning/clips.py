"""Small lesson and film clips made on the spot for the demo and the tests: slides with Chinese
captions (Pillow and the Noto CJK font) encoded as H.264 in MP4 with PyAV, the format every
phone and Debian's Chromium play. A 30 s clip at 640×360 and 5 frames a second takes well under
a second to make and weighs tens of kilobytes."""

from __future__ import annotations

from pathlib import Path

FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
COLOURS = ((18, 52, 86), (86, 34, 18), (24, 70, 40), (60, 30, 80))


def _font(size: int):
    from PIL import ImageFont

    try:
        return ImageFont.truetype(FONT, size, index=2)  # the SC face of the collection
    except OSError:
        return ImageFont.load_default(size)


def write_clip(
    path: str | Path,
    title: str,
    slides: list[str],
    *,
    seconds: float = 30.0,
    fps: int = 5,
    size: tuple[int, int] = (640, 360),
) -> Path:
    """Each slide's caption for an equal share of ``seconds``, under ``title``, with a clock."""
    import av
    import numpy as np
    from PIL import Image, ImageDraw

    width, height = size
    big, small = _font(34), _font(22)
    frames = int(round(seconds * fps))
    per_slide = frames / max(len(slides), 1)
    path = Path(path)
    with av.open(str(path), "w", options={"movflags": "+faststart"}) as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"crf": "30", "preset": "veryfast", "profile": "baseline"}
        rendered: dict[int, Image.Image] = {}
        for i in range(frames):
            index = min(int(i / per_slide), len(slides) - 1)
            if index not in rendered:
                img = Image.new("RGB", size, COLOURS[index % len(COLOURS)])
                draw = ImageDraw.Draw(img)
                draw.text((24, 20), title, font=small, fill=(255, 220, 120))
                draw.text((width / 2, height / 2), slides[index], font=big, fill="white", anchor="mm")
                rendered[index] = img
            img = rendered[index].copy()
            draw = ImageDraw.Draw(img)
            t = i / fps
            draw.text(
                (width - 24, height - 20), f"{int(t) // 60:02d}:{int(t) % 60:02d}", font=small, anchor="rs"
            )
            draw.rectangle((0, height - 6, int(width * (i + 1) / frames), height), fill=(255, 200, 0))
            frame = av.VideoFrame.from_ndarray(np.asarray(img), format="rgb24")
            frame.pts = i
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path
