"""Synthetic classroom CCTV footage with scripted events, for tests, the benchmark and demo data.

A fixed camera at the front of a classroom looks down at rows of trainees sitting behind
desks, as CCTV sees them: faces from ``face_px[0]`` pixels high in the back row to
``face_px[1]`` in the front (14-55 px on 540 lines). The faces are real photographs shipped
with scikit-image: all 100 face crops of ``skimage.data.lfw_subset()`` (Labeled Faces in the
Wild, a research data set of news photographs) and the astronaut (a NASA portrait, public
domain); none is picked for being easy. Each trainee holds a pose of their own (turned up to
35 degrees, tilted up to 15, one in four looking down at the desk) and sits in the light of
their part of the room (bright by the windows, dim by the door). Everything else (walls,
windows, desks, a side wall with a door that only a turned camera sees) is drawn. Like
real CCTV the camera burns a clock that ticks every second into the picture
and encodes H.264 with a fixed 2 s keyframe interval and no B-frames.

Every frame is a pure function of two times: the *content* time (what the room looks like:
who sits where, how they sway, where the camera points) and the *clock* time (what the
overlay reads). Normal footage has both equal; a frozen feed holds both; a replay shows old
content under a running clock (``same_clock=False``) or under the old clock too.

scikit-image is only needed here, not by the analysis; it is imported lazily.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

import cv2
import numpy as np

KINDS = ("absent", "overcrowded", "covered", "dark", "frozen", "scene_change", "looped", "moved")


@dataclass(frozen=True)
class Scripted:
    """One scripted event, active on ``start_s <= t < end_s`` of the recording."""

    kind: str
    start_s: float
    end_s: float
    seats: tuple[int, ...] = ()  # absent: the seats that are empty; moved: (from, to) in one row
    extra: int = 0  # overcrowded: visitors standing along the back wall
    source_s: float = 0.0  # looped: where the replayed stretch starts in the recording
    same_clock: bool = False  # looped: the replay also replays the old clock

    def active(self, t: float) -> bool:
        return self.start_s <= t < self.end_s


@dataclass(frozen=True)
class ClassroomSpec:
    duration_s: float = 60.0
    width: int = 640
    height: int = 360
    fps: int = 10
    gop_s: float = 2.0  # keyframe interval, as CCTV cameras are configured
    rows: int = 2
    cols: int = 4
    face_px: tuple[int, int] = (14, 36)  # face height in the back row and in the front row
    empty_seats: tuple[int, ...] = ()  # seats nobody sits in (a trainee may move to one)
    seed: int = 0
    events: tuple[Scripted, ...] = ()
    clock_start: datetime = datetime(2024, 5, 13, 8, 30, 0)
    crf: int = 24
    preset: str = "veryfast"
    faststart: bool = False  # moov atom first, as web uploads often are

    @property
    def roster(self) -> int:
        return self.rows * self.cols - len(self.empty_seats)


@dataclass
class Truth:
    """What was scripted: the true face count at every whole second and the events."""

    counts: list[int]
    events: tuple[Scripted, ...]
    roster: int

    def clean_seconds(self, margin_s: float = 2.0) -> list[int]:
        """Seconds at least ``margin_s`` away from every scripted event."""
        return [
            s
            for s in range(len(self.counts))
            if not any(e.start_s - margin_s <= s < e.end_s + margin_s for e in self.events)
        ]


@dataclass
class _Person:
    x: float  # head centre in panorama pixels
    y: float
    face: np.ndarray  # BGR sprite
    alpha: np.ndarray  # float mask of the sprite
    shirt: tuple[int, int, int]
    size: int  # face height in pixels
    pose: str = "frontal"  # frontal, turned, tilted or down (for recall per pose)
    freqs: np.ndarray = field(default_factory=lambda: np.zeros(0))
    phases: np.ndarray = field(default_factory=lambda: np.zeros(0))
    amps: np.ndarray = field(default_factory=lambda: np.zeros(0))


@functools.lru_cache(maxsize=1)
def _faces() -> tuple[np.ndarray, ...]:
    """Grey face crops in [0, 1]: the astronaut's and the 100 LFW faces, none left out."""
    from skimage import data

    lfw = data.lfw_subset()[:100]  # the first 100 of the subset are faces, the rest are not
    astro = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2GRAY)[88:168, 185:270]
    astro = cv2.resize(astro, (25, 25), interpolation=cv2.INTER_AREA).astype(np.float64) / 255.0
    return (astro, *lfw)


def _pose(rng: np.random.Generator) -> tuple[str, float, float, bool]:
    """(name, turn in degrees, tilt in degrees, looking down) of one trainee."""
    turn = float(rng.uniform(-35, 35))
    tilt = float(rng.uniform(-15, 15))
    down = bool(rng.random() < 0.25)
    name = "down" if down else "turned" if abs(turn) >= 20 else "tilted" if abs(tilt) >= 8 else "frontal"
    return name, turn, tilt, down


def _make_person(
    grey: np.ndarray,
    x: float,
    y: float,
    size: int,
    rng: np.random.Generator,
    light: float = 1.0,
    posed: bool = True,
) -> _Person:
    """A head and shoulders: the face photograph turned, tilted or lowered, on a head of hair.

    Turning narrows the face and moves it towards one side of the head (hair shows on the
    other); looking down shortens it and moves it down (the forehead and hair fill the top);
    tilting rotates the whole head. ``light`` scales the face and hair brightness.
    """
    name, turn, tilt, down = _pose(rng) if posed else ("frontal", 0.0, 0.0, False)
    skin = np.array([rng.uniform(120, 170), rng.uniform(160, 200), rng.uniform(200, 235)], np.float32)
    fw = max(4, int(round(size * math.cos(math.radians(turn)))))
    fh = max(4, int(round(size * (0.8 if down else 1.0))))
    face = cv2.resize(grey.astype(np.float32), (fw, fh), interpolation=cv2.INTER_CUBIC)
    face = np.clip(face, 0, 1)[:, :, None] * skin[None, None, :] * 1.25
    sprite_h, sprite_w = int(size * 1.45), int(size * 1.3)
    sprite = np.zeros((sprite_h, sprite_w, 3), np.float32)
    alpha = np.zeros((sprite_h, sprite_w), np.float32)
    hair = tuple(float(v) for v in rng.uniform(15, 45, 3))
    cx, top = sprite_w // 2, int(size * 0.3)
    cv2.ellipse(sprite, (cx, top + size // 2), (int(size * 0.62), int(size * 0.75)), 0, 0, 360, hair, -1)
    cv2.ellipse(alpha, (cx, top + size // 2), (int(size * 0.62), int(size * 0.75)), 0, 0, 360, 1.0, -1)
    mask = np.zeros((fh, fw), np.float32)
    cv2.ellipse(mask, (fw // 2, fh // 2), (int(fw * 0.48), int(fh * 0.56)), 0, 0, 360, 1.0, -1)
    mask = cv2.GaussianBlur(mask, (0, 0), size * 0.04 + 0.5)[:, :, None]
    x0 = cx - fw // 2 + int(round(math.sin(math.radians(turn)) * size * 0.18))
    y0 = top + (size - fh)
    region = sprite[y0 : y0 + fh, x0 : x0 + fw]
    sprite[y0 : y0 + fh, x0 : x0 + fw] = region * (1 - mask) + face * mask
    if tilt:
        turn_about = cv2.getRotationMatrix2D((sprite_w / 2, top + size / 2), tilt, 1.0)
        sprite = cv2.warpAffine(sprite, turn_about, (sprite_w, sprite_h), flags=cv2.INTER_LINEAR)
        alpha = cv2.warpAffine(alpha, turn_about, (sprite_w, sprite_h), flags=cv2.INTER_LINEAR)
    sprite *= light
    shirt = tuple(int(v * min(1.0, light)) for v in rng.integers(30, 220, 3))
    n = 3
    return _Person(
        x,
        y,
        np.clip(sprite, 0, 255),
        alpha,
        shirt,
        size,
        name,
        freqs=rng.uniform(0.02, 0.25, (2, n)),
        phases=rng.uniform(0, 2 * math.pi, (2, n)),
        amps=rng.uniform(0.03, 0.09, (2, n)) * size,
    )


def _draw_person(img: np.ndarray, p: _Person, t: float, x_off: int) -> None:
    # Quasi-periodic sway (incommensurate frequencies): people never return exactly
    # to an earlier pose, so live footage never repeats itself.
    dx = float(np.sum(p.amps[0] * np.sin(2 * math.pi * p.freqs[0] * t + p.phases[0])))
    dy = float(np.sum(p.amps[1] * np.sin(2 * math.pi * p.freqs[1] * t + p.phases[1])))
    cx, cy = int(round(p.x + dx)) - x_off, int(round(p.y + dy))
    s = p.size
    # Torso first, then the head on top of it.
    cv2.ellipse(img, (cx, cy + int(s * 1.55)), (int(s * 0.95), int(s * 0.9)), 0, 180, 360, p.shirt, -1)
    cv2.rectangle(
        img, (cx - int(s * 0.95), cy + int(s * 1.5)), (cx + int(s * 0.95), cy + int(s * 2.6)), p.shirt, -1
    )
    sh, sw = p.alpha.shape
    x0, y0 = cx - sw // 2, cy - int(s * 0.3) - s // 2
    x1, y1 = x0 + sw, y0 + sh
    H, W = img.shape[:2]
    if x1 <= 0 or y1 <= 0 or x0 >= W or y0 >= H:
        return
    ax0, ay0 = max(0, -x0), max(0, -y0)
    ax1, ay1 = sw - max(0, x1 - W), sh - max(0, y1 - H)
    roi = img[y0 + ay0 : y0 + ay1, x0 + ax0 : x0 + ax1].astype(np.float32)
    a = p.alpha[ay0:ay1, ax0:ax1, None]
    blended = roi * (1 - a) + p.face[ay0:ay1, ax0:ax1] * a
    img[y0 + ay0 : y0 + ay1, x0 + ax0 : x0 + ax1] = blended.astype(np.uint8)


class Classroom:
    """Renders frames of one scripted classroom; ``frame(t_content, t_clock)`` is pure."""

    def __init__(self, spec: ClassroomSpec) -> None:
        self.spec = spec
        w, h = spec.width, spec.height
        self.pano_w = int(w * 1.6)  # the side wall a turned camera sees lies right of the view
        rng = np.random.default_rng(spec.seed)
        self.background = self._draw_room(rng)
        faces = _faces()
        order = rng.permutation(len(faces))
        self.people: list[_Person] = []
        self.desks: list[tuple[int, int, int, int, int]] = []  # row, x0, y0, x1, y1
        small, large = spec.face_px
        for r in range(spec.rows):
            depth = r / max(1, spec.rows - 1)  # 0 at the back (top of the picture), 1 at the front
            size = int(round(small * (large / small) ** depth))
            y = h * (0.30 + 0.42 * depth)
            for c in range(spec.cols):
                x = w * (0.12 + 0.76 * (c + 0.5) / spec.cols) + rng.uniform(-0.02, 0.02) * w
                self.people.append(
                    _make_person(
                        faces[order[len(self.people) % len(order)]],
                        x,
                        y,
                        size,
                        rng,
                        light=self._light(x, rng),
                    )
                )
            self.desks.append(
                (r, int(w * 0.06), int(y + size * 1.25), int(w * 0.94), int(y + size * 1.25 + h * 0.05))
            )
        # Visitors standing along the back wall for "overcrowded": their faces above the back row.
        self.visitors: list[_Person] = []
        back_y = h * 0.30
        for k in range(6):
            x = w * (0.2 + 0.12 * k)
            self.visitors.append(
                _make_person(
                    faces[order[(len(order) - 1 - k) % len(order)]],
                    x,
                    back_y - 2.2 * small,
                    small,
                    rng,
                    light=self._light(x, rng),
                )
            )
        self.noise = [rng.normal(0.0, 2.0, (h, w, 1)).astype(np.float32) for _ in range(8)]

    def _light(self, x: float, rng: np.random.Generator) -> float:
        """Brighter by the windows on the left, dimmer towards the door on the right."""
        return float((1.2 - 0.55 * x / self.spec.width) * rng.uniform(0.9, 1.1))

    # ---------------------------------------------------------------- drawing helpers
    def _draw_room(self, rng: np.random.Generator) -> np.ndarray:
        w, h, pw = self.spec.width, self.spec.height, self.pano_w
        img = np.zeros((h, pw, 3), np.uint8)
        ramp = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None, None]
        wall = np.array([200, 214, 222], np.float32)  # BGR pale cream wall
        img[:] = np.clip(wall * (0.86 + 0.14 * ramp), 0, 255).astype(np.uint8)
        cv2.rectangle(img, (0, 0), (pw, int(h * 0.08)), (235, 235, 235), -1)  # ceiling
        for k in range(5):  # ceiling lights
            x = int(pw * (0.08 + 0.2 * k))
            cv2.rectangle(img, (x, int(h * 0.02)), (x + int(w * 0.1), int(h * 0.05)), (250, 252, 255), -1)
        for k in range(3):  # windows in the back wall
            x0 = int(w * (0.1 + 0.3 * k))
            cv2.rectangle(img, (x0, int(h * 0.12)), (x0 + int(w * 0.17), int(h * 0.3)), (170, 120, 80), -1)
            cv2.rectangle(img, (x0, int(h * 0.12)), (x0 + int(w * 0.17), int(h * 0.3)), (90, 90, 90), 3)
            cv2.line(
                img,
                (x0 + int(w * 0.085), int(h * 0.12)),
                (x0 + int(w * 0.085), int(h * 0.3)),
                (90, 90, 90),
                2,
            )
        # A slogan banner (red, with white "characters" as blocks) along the top of the wall.
        cv2.rectangle(img, (int(w * 0.3), int(h * 0.09)), (int(w * 0.7), int(h * 0.115)), (40, 40, 190), -1)
        for k in range(10):
            x = int(w * (0.31 + 0.039 * k))
            cv2.rectangle(img, (x, int(h * 0.095)), (x + int(w * 0.02), int(h * 0.11)), (230, 230, 240), -1)
        # Side wall: a door, a cabinet, a fire extinguisher, a notice board.
        cv2.rectangle(img, (w, 0), (pw, h), (150, 170, 185), -1)
        cv2.rectangle(img, (int(w * 1.08), int(h * 0.15)), (int(w * 1.25), int(h * 0.95)), (40, 70, 120), -1)
        cv2.circle(img, (int(w * 1.235), int(h * 0.55)), max(2, h // 90), (30, 200, 230), -1)
        cv2.rectangle(img, (int(w * 1.32), int(h * 0.4)), (int(w * 1.55), int(h * 0.95)), (110, 110, 110), -1)
        for k in range(4):
            y = int(h * (0.45 + 0.12 * k))
            cv2.line(img, (int(w * 1.32), y), (int(w * 1.55), y), (60, 60, 60), 2)
        cv2.rectangle(img, (int(w * 1.28), int(h * 0.7)), (int(w * 1.3), int(h * 0.85)), (20, 20, 200), -1)
        cv2.rectangle(img, (int(w * 1.33), int(h * 0.1)), (int(w * 1.55), int(h * 0.32)), (60, 120, 60), -1)
        for k in range(6):
            x, y = int(w * (1.345 + 0.035 * k)), int(h * (0.13 + 0.03 * (k % 3)))
            cv2.rectangle(img, (x, y), (x + int(w * 0.025), y + int(h * 0.1)), (240, 240, 240), -1)
        # Floor.
        cv2.rectangle(img, (0, int(h * 0.93)), (pw, h), (120, 130, 140), -1)
        # Plaster texture, so the wall is not a perfectly flat area of colour.
        tex = rng.normal(0, 3, (h // 4 + 1, pw // 4 + 1)).astype(np.float32)
        tex = cv2.resize(tex, (pw, h), interpolation=cv2.INTER_LINEAR)[:, :, None]
        return np.clip(img.astype(np.float32) + tex, 0, 255).astype(np.uint8)

    def _draw_clock(self, img: np.ndarray, t_clock: float) -> None:
        h = img.shape[0]
        at = self.spec.clock_start + timedelta(seconds=int(math.floor(t_clock)))  # the clock ticks per second
        stamp = at.strftime("%Y-%m-%d %H:%M:%S")
        scale, thick = h / 540 * 0.9, max(1, int(round(h / 270)))
        org = (int(img.shape[1] * 0.02), int(h * 0.07))
        cv2.putText(img, stamp, org, cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), thick + 2, cv2.LINE_AA)
        cv2.putText(img, stamp, org, cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), thick, cv2.LINE_AA)
        label_org = (int(img.shape[1] * 0.74), int(h * 0.97))
        cv2.putText(
            img,
            "CAM-03 ROOM 3",
            label_org,
            cv2.FONT_HERSHEY_SIMPLEX,
            scale * 0.8,
            (255, 255, 255),
            thick,
            cv2.LINE_AA,
        )

    # ---------------------------------------------------------------- public
    def active(self, kind: str, t: float) -> list[Scripted]:
        return [e for e in self.spec.events if e.kind == kind and e.active(t)]

    def _placed(self, k: int, t: float) -> _Person:
        """Trainee ``k`` where they are at ``t``: in their seat, or walking to another one."""
        p = self.people[k]
        for e in self.spec.events:
            if e.kind != "moved" or e.seats[0] != k or t < e.start_s:
                continue
            to = self.people[e.seats[1]]
            f = min(1.0, (t - e.start_s) / max(1e-6, e.end_s - e.start_s))
            up = math.sin(math.pi * f) * p.size * 0.8  # standing up on the way
            return replace(p, x=p.x + (to.x - p.x) * f, y=p.y + (to.y - p.y) * f - up)
        return p

    def content(self, t: float) -> tuple[np.ndarray, int]:
        """The room at content time ``t`` as the lens sees it, and how many faces are in view."""
        w = self.spec.width
        x_off = int(w * 0.55) if self.active("scene_change", t) else 0
        img = self.background[:, x_off : x_off + w].copy()
        empty = {s for e in self.active("absent", t) for s in e.seats}
        extra = max((e.extra for e in self.active("overcrowded", t)), default=0)
        visible = 0
        for p in self.visitors[:extra]:
            _draw_person(img, p, t, x_off)
            visible += 0 <= p.x - x_off < w
        for r, x0, y0, x1, y1 in self.desks:
            for k in range(r * self.spec.cols, (r + 1) * self.spec.cols):
                if k not in empty and k not in self.spec.empty_seats:
                    p = self._placed(k, t)
                    _draw_person(img, p, t, x_off)
                    # A face counts when its whole box is in view.
                    visible += p.size * 0.7 <= p.x - x_off <= w - p.size * 0.7
            cv2.rectangle(img, (x0 - x_off, y0), (x1 - x_off, y1), (60, 95, 140), -1)  # desk top
            edge = y0 + max(2, (y1 - y0) // 6)
            cv2.rectangle(img, (x0 - x_off, y0), (x1 - x_off, edge), (90, 130, 175), -1)
        frame_no = int(round(t * self.spec.fps))
        noise = self.noise[frame_no % len(self.noise)]
        img = np.clip(img.astype(np.float32) + noise, 0, 255).astype(np.uint8)
        if self.active("covered", t):
            # A palm over the lens: out of focus, skin-toned, a soft gradient and no edges.
            h = img.shape[0]
            ramp = np.linspace(0.7, 1.0, h, dtype=np.float32)[:, None, None]
            img = np.clip(
                np.array([70, 95, 130], np.float32) * ramp + self.noise[frame_no % 8] * 0.5, 0, 255
            ).astype(np.uint8)
            visible = 0
        elif self.active("dark", t):
            # Lights off: a faint remnant of the room in sensor noise.
            img = np.clip(img.astype(np.float32) * 0.07 + 4 + self.noise[frame_no % 8] * 1.5, 0, 255)
            img = img.astype(np.uint8)
            visible = 0
        return img, visible

    def frame(self, t_content: float, t_clock: float) -> np.ndarray:
        img, _ = self.content(t_content)
        self._draw_clock(img, t_clock)
        return img

    def times(self, t: float) -> tuple[float, float]:
        """(content time, clock time) of recording time ``t``."""
        for e in self.spec.events:
            if e.kind == "frozen" and e.active(t):
                return e.start_s, e.start_s
            if e.kind == "looped" and e.active(t):
                src = e.source_s + (t - e.start_s)
                return src, (src if e.same_clock else t)
        return t, t

    def true_count(self, t: float) -> int:
        return self.content(self.times(t)[0])[1]


def write_classroom(
    path: str | Path, spec: ClassroomSpec, progress: Callable[[float], None] | None = None
) -> Truth:
    """Render and encode ``spec`` to ``path`` (H.264 in MP4); return the ground truth."""
    import av

    room = Classroom(spec)
    n = int(round(spec.duration_s * spec.fps))
    gop = int(round(spec.gop_s * spec.fps))
    options = {"movflags": "+faststart"} if spec.faststart else {}
    counts: list[int] = []
    with av.open(str(path), "w", options=options) as container:
        stream = container.add_stream("libx264", rate=spec.fps)
        stream.width, stream.height, stream.pix_fmt = spec.width, spec.height, "yuv420p"
        stream.codec_context.gop_size = gop
        # Fixed GOP, no scene-cut keyframes, no B-frames: how CCTV cameras encode.
        stream.options = {
            "crf": str(spec.crf),
            "preset": spec.preset,
            "x264-params": f"keyint={gop}:min-keyint={gop}:scenecut=0:bframes=0",
        }
        for i in range(n):
            t = i / spec.fps
            t_content, t_clock = room.times(t)
            img, visible = room.content(t_content)
            room._draw_clock(img, t_clock)
            if i % spec.fps == 0:
                counts.append(visible)
            frame = av.VideoFrame.from_ndarray(img, format="bgr24")
            frame.pts = i
            for packet in stream.encode(frame):
                container.mux(packet)
            if progress and i % spec.fps == 0:
                progress(i / n)
        for packet in stream.encode():
            container.mux(packet)
    return Truth(counts, spec.events, spec.roster)


def truth(spec: ClassroomSpec) -> Truth:
    """The ground truth of ``spec`` without rendering a video (for a file made earlier)."""
    room = Classroom(spec)
    return Truth([room.true_count(float(s)) for s in range(int(spec.duration_s))], spec.events, spec.roster)


def reference_jpeg(spec: ClassroomSpec, t: float = 0.0) -> bytes:
    """A JPEG of the camera's reference view (the room as set up, at content time ``t``)."""
    room = Classroom(spec)
    img = room.frame(t, t)
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 85])
    assert ok
    return buf.tobytes()


def scripted(events: Iterable[Scripted]) -> tuple[Scripted, ...]:
    """Validate event kinds (a typo would silently script nothing)."""
    out = tuple(events)
    for e in out:
        if e.kind not in KINDS:
            raise ValueError(f"unknown event kind {e.kind!r}")
    return out
