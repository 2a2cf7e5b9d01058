"""From per-sample measures to incidents: runs of samples in which a condition holds.

Every detector works on the whole sequence of samples (in time order) and returns
``Found`` runs; ``analysis`` turns them into public ``Event`` objects with evidence frames.
A run covering samples i..j is reported from ``t[i]`` to the time of the sample after j
(the condition was seen to hold from the first and was seen to be over at the next).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np

from . import thresholds as th
from .features import Measures


@dataclass
class Found:
    kind: str
    first: int  # sample indices, inclusive
    last: int
    confidence: float
    evidence: int  # the sample whose frame shows it
    detail: dict[str, float] = field(default_factory=dict)


def runs(mask: Sequence[bool] | np.ndarray) -> list[tuple[int, int]]:
    """Inclusive (first, last) index pairs of the runs of True."""
    out: list[tuple[int, int]] = []
    start = None
    for k, v in enumerate(mask):
        if v and start is None:
            start = k
        elif not v and start is not None:
            out.append((start, k - 1))
            start = None
    if start is not None:
        out.append((start, len(mask) - 1))
    return out


class Timeline:
    """Sample times plus the recording's end, to turn index runs into durations."""

    def __init__(self, times: Sequence[float], duration_s: float) -> None:
        self.t = np.asarray(times, np.float64)
        self.duration_s = duration_s

    def end(self, last: int) -> float:
        if last + 1 < len(self.t):
            return float(self.t[last + 1])
        return max(self.duration_s, float(self.t[last]))

    def span(self, first: int, last: int) -> float:
        return self.end(last) - float(self.t[first])


def _margin(value: float, threshold: float, below: bool) -> float:
    """Confidence from how far past its threshold a measure is: 0.5 at it, 1.0 far past it."""
    over = (threshold - value) if below else (value - threshold)
    return float(np.clip(0.5 + 0.5 * over / max(abs(threshold), 1e-9), 0.0, 1.0))


def picture(ms: Sequence[Measures], tl: Timeline) -> tuple[list[Found], np.ndarray, np.ndarray, np.ndarray]:
    """Dark, covered and frozen stretches; returns them and the per-sample masks."""
    luma = np.array([m.luma for m in ms])
    tex = np.array([m.texture for m in ms])
    dark = luma < th.DARK_LUMA
    covered = ~dark & (tex < th.COVERED_TEXTURE)  # a black lens cover reads as dark
    same = np.array([m.change is not None and m.change <= th.FROZEN_MAX_CHANGED_PX for m in ms])
    frozen = same.copy()
    frozen[:-1] |= same[1:]  # a sample identical to the next one is frozen too
    found: list[Found] = []
    checks = (
        ("dark", dark, luma, th.DARK_LUMA, th.DARK_MIN_S),
        ("covered", covered, tex, th.COVERED_TEXTURE, th.COVERED_MIN_S),
    )
    for kind, mask, values, limit, minimum in checks:
        for a, b in runs(mask):
            if tl.span(a, b) >= minimum:
                conf = _margin(float(np.median(values[a : b + 1])), limit, below=True)
                found.append(Found(kind, a, b, conf, (a + b) // 2))
    for a, b in runs(frozen):
        # The picture stopped somewhere between sample a and a+1: the frozen time is a..b.
        if float(tl.t[b] - tl.t[a]) >= th.FROZEN_MIN_S:
            changes = [ms[k].change or 0 for k in range(a + 1, b + 1)]
            conf = float(np.clip(1.0 - max(changes) / (th.FROZEN_MAX_CHANGED_PX + 1), 0.5, 1.0))
            found.append(Found("frozen", a, b, conf, (a + b) // 2))
    frozen_long = np.zeros(len(ms), bool)
    for f in found:
        if f.kind == "frozen":
            frozen_long[f.first : f.last + 1] = True
    return found, dark, covered, frozen_long


def _scene_view(signature: np.ndarray) -> np.ndarray:
    h, w = signature.shape
    small = cv2.resize(
        signature, (th.SCENE_WIDTH, max(1, round(h * th.SCENE_WIDTH / w))), interpolation=cv2.INTER_AREA
    ).astype(np.float32)
    small = cv2.GaussianBlur(small, (0, 0), th.SCENE_BLUR)
    small -= small.mean()
    norm = float(np.linalg.norm(small))
    return small / norm if norm > 1e-6 else small


def reference_view(
    reference_jpeg: bytes | None, ms: Sequence[Measures], trusted: np.ndarray
) -> np.ndarray | None:
    """The view the camera should show: the JPEG given, or the first steady trusted stretch."""
    if not ms:
        return None
    shape = ms[0].signature.shape
    if reference_jpeg:
        img = cv2.imdecode(np.frombuffer(reference_jpeg, np.uint8), cv2.IMREAD_GRAYSCALE)
        if img is None:
            raise ValueError("the reference image is not a readable JPEG/PNG")
        return _scene_view(cv2.resize(img, (shape[1], shape[0]), interpolation=cv2.INTER_AREA))
    for a, b in runs(trusted):
        if b - a + 1 >= th.REFERENCE_SAMPLES:
            stack = np.stack([ms[k].signature for k in range(a, a + th.REFERENCE_SAMPLES)])
            return _scene_view(np.median(stack, axis=0).astype(np.uint8))
    return None


def scene(
    ms: Sequence[Measures], tl: Timeline, trusted: np.ndarray, reference: np.ndarray | None
) -> tuple[list[Found], np.ndarray]:
    """Samples whose view no longer matches the reference view (camera turned or moved)."""
    moved = np.zeros(len(ms), bool)
    if reference is None:
        return [], moved
    sim = np.array(
        [
            float(np.sum(_scene_view(m.signature) * reference)) if ok else 1.0
            for m, ok in zip(ms, trusted, strict=True)
        ]
    )
    moved = trusted & (sim < th.SCENE_MIN_SIMILARITY)
    found = []
    for a, b in runs(moved):
        if tl.span(a, b) >= th.SCENE_MIN_S:
            found.append(
                Found(
                    "scene_change",
                    a,
                    b,
                    _margin(float(np.median(sim[a : b + 1])), th.SCENE_MIN_SIMILARITY, below=True),
                    (a + b) // 2,
                    {"similarity": round(float(np.median(sim[a : b + 1])), 3)},
                )
            )
    return found, moved


def overlay_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute difference after dropping the OVERLAY_FRACTION largest (a burned-in clock)."""
    d = cv2.absdiff(a, b).ravel()
    keep = d.size - int(d.size * th.OVERLAY_FRACTION)
    # The sum of the `keep` smallest differences from their histogram (uint8: 256 bins),
    # the same as sorting them but several times faster.
    hist = np.bincount(d, minlength=256)
    below = np.cumsum(hist)
    top = int(np.searchsorted(below, keep))  # the value of the keep-th smallest difference
    levels = np.arange(top, dtype=np.int64)
    taken = int(below[top - 1]) if top else 0
    total = int((hist[:top] * levels).sum()) + (keep - taken) * top
    return total / keep


def _replay_distance(sigs: Sequence[np.ndarray], trusted: np.ndarray, j: int, i: int) -> float:
    """How well sample j matches the original moment around sample i (``sigs``: the samples'
    signatures, whole or their live pixels).

    A replay's keyframes need not fall on the original's keyframes: a replayed keyframe may
    show a moment between samples i and i+1 (or i-1 and i). At the signature's size people
    move by a fraction of a pixel in 2 s, and over sub-pixel motion a picture changes about
    linearly, so that moment is close to a blend of the two; blends at quarter steps are
    tried as well as sample i itself.
    """
    sig = sigs[j]
    best = overlay_distance(sig, sigs[i])
    if best > th.LOOP_BLEND_WORTH * th.LOOP_MAX_DISTANCE:
        return best  # blending never brings a difference this large under the limit
    for k in (i - 1, i + 1):
        if 0 <= k < len(sigs) and trusted[k] and k != j:
            for alpha in th.LOOP_BLENDS:
                blend = cv2.addWeighted(sigs[i], 1.0 - alpha, sigs[k], alpha, 0.0)
                best = min(best, overlay_distance(sig, blend))
    return best


def _live(ms: Sequence[Measures], trusted: np.ndarray) -> list[np.ndarray]:
    """The signatures' pixels where the picture changes over the recording (people), or all
    of them in a room where too little changes: the walls and desks look the same in a
    replay and in live footage, and would only water the comparison down."""
    idx = np.flatnonzero(trusted)
    if len(idx) < 2:
        return [m.signature.ravel() for m in ms]
    stack = np.stack([ms[k].signature for k in idx]).astype(np.float32)
    moving = stack.std(axis=0) > th.LOOP_LIVE_STD
    if moving.mean() < th.LOOP_LIVE_MIN_SHARE:
        return [m.signature.ravel() for m in ms]
    return [np.ascontiguousarray(m.signature[moving]) for m in ms]


def looped(ms: Sequence[Measures], tl: Timeline, trusted: np.ndarray) -> tuple[list[Found], np.ndarray]:
    """Stretches that replay earlier footage of the same recording.

    For each trusted sample, the few earlier samples (at least LOOP_MIN_GAP_S before) that
    look most alike in a coarse comparison are compared in detail, ignoring the pixels that
    differ most (a running clock). A sample replays sample i when it matches i within codec
    noise and clearly better than the samples around i; a replay is a run of such samples
    whose offset in time stays the same.
    """
    n = len(ms)
    replayed = np.zeros(n, bool)
    if n == 0:
        return [], replayed
    idx = np.flatnonzero(trusted)
    whole = [m.signature for m in ms]
    live = _live(ms, trusted)
    coarse = np.stack(
        [cv2.resize(ms[k].signature, (32, 18), interpolation=cv2.INTER_AREA).ravel() for k in range(n)]
    ).astype(np.float32)
    sq = (coarse**2).sum(axis=1)
    match: dict[int, tuple[int, float]] = {}
    t = tl.t
    for j in idx:
        earlier = idx[t[idx] <= t[j] - th.LOOP_MIN_GAP_S]
        if len(earlier) == 0:
            continue
        d2 = sq[earlier] - 2.0 * coarse[earlier] @ coarse[j] + sq[j]
        best = earlier[np.argsort(d2, kind="stable")[: th.LOOP_CANDIDATES]]
        scored = sorted((_replay_distance(whole, trusted, int(j), int(i)), int(i)) for i in best)
        dist, i = scored[0]
        if dist > th.LOOP_MAX_DISTANCE:
            continue
        context = [
            k
            for off in th.LOOP_CONTEXT_SAMPLES
            for k in (i - off, i + off)
            if 0 <= k < n and trusted[k] and k != j
        ]
        if not context:
            continue
        # Standing out is judged where the picture changes (see _live).
        around = min(overlay_distance(live[j], live[k]) for k in context)
        if _replay_distance(live, trusted, int(j), i) <= th.LOOP_DISTINCT_RATIO * around:
            match[int(j)] = (i, dist)
    found: list[Found] = []
    js = sorted(match)
    step = th.MAX_SAMPLE_INTERVAL_S
    k = 0
    while k < len(js):
        run = [js[k]]
        offset = t[js[k]] - t[match[js[k]][0]]
        while (
            k + 1 < len(js)
            and js[k + 1] - run[-1] <= 1 + th.LOOP_RUN_GAP_SAMPLES
            and abs((t[js[k + 1]] - t[match[js[k + 1]][0]]) - offset) <= step + 1e-6
        ):
            k += 1
            run.append(js[k])
        k += 1
        a, b = run[0], run[-1]
        if tl.span(a, b) >= th.LOOP_MIN_S:
            dists = [match[j][1] for j in run]
            conf = _margin(float(np.median(dists)), th.LOOP_MAX_DISTANCE, below=True)
            found.append(Found("looped", a, b, conf, a, {"source_s": round(float(t[match[a][0]]), 3)}))
            replayed[a : b + 1] = True
    return found, replayed


def headcount(counts: Sequence[int], tl: Timeline, countable: np.ndarray, roster: int) -> list[Found]:
    """Stretches with fewer (absent) or more (overcrowded) faces than the roster."""
    c = np.asarray(counts, np.float64)
    smooth = np.full(len(c), np.nan)
    half = th.COUNT_SMOOTH_SAMPLES // 2
    for a, b in runs(countable):
        seg = c[a : b + 1]
        for k in range(len(seg)):
            smooth[a + k] = np.median(seg[max(0, k - half) : k + half + 1])
    found: list[Found] = []
    for kind, mask, minimum in (
        ("absent", smooth < roster, th.ABSENT_MIN_S),
        ("overcrowded", smooth > roster, th.OVERCROWDED_MIN_S),
    ):
        for a, b in runs(mask):
            if tl.span(a, b) >= minimum:
                raw = c[a : b + 1]
                share = float(np.mean(raw < roster) if kind == "absent" else np.mean(raw > roster))
                worst = int(raw.min() if kind == "absent" else raw.max())
                evidence = a + int(np.argmin(raw) if kind == "absent" else np.argmax(raw))
                detail = {"roster": roster, "median_count": float(np.median(raw)), "extreme": worst}
                found.append(Found(kind, a, b, share, evidence, detail))
    return found
