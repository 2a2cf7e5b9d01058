"""The identity check's face matcher on real photographs: error rates and time per face.

Photographs (see ``training_portal/demo/photos.py`` for their sources and licences):
- genuine pairs: three photographs of one person taken on different occasions (3 pairs), and
  each against the other two as the check-in's camera would send them (the photo centred on a
  640 × 480 grey frame, through 4:2:0 colour and JPEG; also dimmed to 60 % and shrunk to a
  face of about 60 px): 3 × 2 × 3 = 18 pairs, not independent of the first three;
- impostor pairs: those three and two other people (another man, the astronaut) against each
  other, and against the face crops of scikit-image's ``lfw_subset`` (news photographs of the
  2000s, 25 px enlarged; the faces dlib finds in them);
- LFW crops among themselves: identities unknown (LFW holds some people many times), so pairs
  below the threshold are counted apart, not as false accepts.

Run: .venv/bin/python benchmarks/identity.py"""

from __future__ import annotations

import io
import itertools
import platform
import statistics
import sys
import time
from pathlib import Path

from PIL import Image, ImageEnhance

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from proctoring import identity  # noqa: E402
from training_portal.demo import photos  # noqa: E402

SAME = ("obama", "obama2", "obama3")
THRESHOLDS = (0.45, 0.5, 0.55, 0.6, 0.65)


def _jpeg(img: Image.Image, quality: int = 92) -> bytes:
    out = io.BytesIO()
    img.convert("RGB").save(out, "JPEG", quality=quality)
    return out.getvalue()


def camera(jpeg: bytes, light: float = 1.0, photo_px: int = 480) -> bytes:
    """As the check-in page sends it: on a 640 × 480 frame, 4:2:0 colour, JPEG 0.92."""
    photo = Image.open(io.BytesIO(jpeg)).convert("RGB")
    photo.thumbnail((640, photo_px))
    frame = Image.new("RGB", (640, 480), (128, 128, 128))
    frame.paste(photo, ((640 - photo.width) // 2, (480 - photo.height) // 2))
    y, cb, cr = frame.convert("YCbCr").split()
    half = [c.resize((320, 240)).resize((640, 480)) for c in (cb, cr)]
    frame = Image.merge("YCbCr", (y, *half)).convert("RGB")
    return _jpeg(ImageEnhance.Brightness(frame).enhance(light))


def main() -> None:
    t0 = time.perf_counter()
    matcher = identity.matcher()
    load_s = time.perf_counter() - t0
    times: list[float] = []

    def describe(data: bytes):
        start = time.perf_counter()
        try:
            return matcher.describe(identity.decode(data))
        except identity.NotAFaceImage:
            return None
        finally:
            times.append(time.perf_counter() - start)

    named = {n: describe(photos.named(n)) for n in photos.NAMED}
    named["astronaut"] = describe(photos.astronaut())
    lfw = [d for d in (describe(b) for b in photos.lfw_faces()) if d is not None]
    variants = {"camera": {}, "dim 60 %": {"light": 0.6}, "face ~60 px": {"photo_px": 160}}
    cams = {(n, v): describe(camera(photos.named(n), **kw)) for n in SAME for v, kw in variants.items()}

    genuine = [matcher.distance(named[a], named[b]) for a, b in itertools.combinations(SAME, 2)]
    genuine_cam = [
        matcher.distance(named[a], cams[(b, v)])
        for a, b in itertools.permutations(SAME, 2)
        for v in variants
        if cams[(b, v)] is not None
    ]
    missed_cam = sum(1 for c in cams.values() if c is None)
    people = [named[n] for n in (*SAME, "biden", "astronaut")]
    owner = ["A", "A", "A", "B", "C"]
    impostor = [
        matcher.distance(people[i], people[j])
        for i, j in itertools.combinations(range(5), 2)
        if owner[i] != owner[j]
    ]
    impostor_lfw = [matcher.distance(p, f) for p in people for f in lfw]
    lfw_pairs = [matcher.distance(a, b) for a, b in itertools.combinations(lfw, 2)]

    print(f"matcher {matcher.name}, dlib models loaded in {load_s:.2f} s; {platform.processor() or 'cpu'}")
    print(
        f"time per face (decode + detect + landmarks + descriptor, 1 thread): "
        f"median {statistics.median(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms over {len(times)}"
    )
    print(f"LFW crops with a face found: {len(lfw)}/100; camera variants without a face: {missed_cam}")
    print(
        f"distances: genuine {min(genuine):.3f}-{max(genuine):.3f}, genuine via camera "
        f"{min(genuine_cam):.3f}-{max(genuine_cam):.3f}, impostor {min(impostor + impostor_lfw):.3f}-"
        f"{max(impostor + impostor_lfw):.3f}"
    )
    header = (
        "threshold  FRR photos (n=3)  FRR camera (n=%d)  FAR people (n=%d)  FAR vs LFW (n=%d)  "
        "LFW pairs below"
    )
    print(header % (len(genuine_cam), len(impostor), len(impostor_lfw)))
    for t in THRESHOLDS:
        frr = sum(d > t for d in genuine) / len(genuine)
        frr_cam = sum(d > t for d in genuine_cam) / len(genuine_cam)
        far = sum(d <= t for d in impostor) / len(impostor)
        far_lfw = sum(d <= t for d in impostor_lfw) / len(impostor_lfw)
        below = sum(d <= t for d in lfw_pairs)
        mark = "  <- chosen" if t == identity.threshold() else ""
        print(
            f"{t:9.2f}  {frr:15.1%}  {frr_cam:17.1%}  {far:17.1%}  {far_lfw:17.1%}  "
            f"{below:5d}/{len(lfw_pairs)}{mark}"
        )


if __name__ == "__main__":
    main()
