"""Reading recordings with PyAV: checking a file is a real video, and decoding its samples.

OpenCV's VideoCapture decodes every frame even when asked only to ``grab()``; FFmpeg (via
PyAV) can be told to skip all but keyframes, which at a CCTV camera's 2 s GOP is exactly
one sample every 2 s at a small fraction of the decoding work.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction

import av
import av.error
import cv2
import numpy as np
from flask_babel import lazy_gettext as _l

from . import thresholds as th

# Formats whose plane 0 is 8-bit luma: read it directly instead of converting the frame.
_Y_FORMATS = {
    "yuv420p",
    "yuvj420p",
    "yuv422p",
    "yuvj422p",
    "yuv444p",
    "yuvj444p",
    "nv12",
    "nv21",
    "yuv411p",
    "yuv410p",
    "yuv440p",
    "yuvj440p",
}
# FFmpeg opens single pictures as one-frame videos through these demuxers.
_IMAGE_FORMATS = ("image2", "_pipe", "gif", "apng", "webp")


class NotAVideo(Exception):
    """The file is not a complete, decodable video; ``reason`` is a translatable message."""

    def __init__(self, reason: object) -> None:
        super().__init__(reason)  # kept lazy: rendered in the reader's language when shown
        self.reason = reason

    def __str__(self) -> str:
        return str(self.reason)


@dataclass(frozen=True)
class VideoInfo:
    duration_s: float
    width: int
    height: int
    fps: float
    codec: str


@dataclass(frozen=True)
class Sampling:
    """How samples are taken: ``keyframes`` only, or every frame decoded and one kept per 2 s."""

    keyframes_only: bool
    gop_s: float


def _open(path: str | os.PathLike[str]) -> av.container.InputContainer:
    try:
        return av.open(os.fspath(path), "r", metadata_errors="ignore")
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        raise NotAVideo(_l("The file is not a video, or it is damaged.")) from exc


def _video_stream(container: av.container.InputContainer) -> av.video.stream.VideoStream:
    if not container.streams.video:
        raise NotAVideo(_l("The file has no video stream."))
    stream = container.streams.video[0]
    if stream.codec_context is None or not stream.codec_context.width:
        raise NotAVideo(_l("The video stream cannot be decoded."))
    return stream


def _t0(stream: av.video.stream.VideoStream) -> float:
    """The stream's first timestamp, so that sample times start at 0."""
    if stream.start_time is None or stream.time_base is None:
        return 0.0
    return float(stream.start_time * stream.time_base)


def _duration(container: av.container.InputContainer, stream: av.video.stream.VideoStream) -> float:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / av.time_base
    raise NotAVideo(_l("The length of the video cannot be determined."))


def _frame_time(frame: av.VideoFrame, t0: float) -> float:
    if frame.pts is None or frame.time_base is None:
        raise NotAVideo(_l("The video has frames without timestamps."))
    return float(frame.pts * frame.time_base) - t0


def _seek(container: av.container.InputContainer, stream: av.video.stream.VideoStream, t: float) -> None:
    """Go to the last keyframe at or before ``t`` seconds (after the stream start)."""
    assert stream.time_base is not None
    target = int((t + _t0(stream)) / stream.time_base)
    container.seek(max(target, stream.start_time or 0), stream=stream, backward=True, any_frame=False)


def bgr(frame: av.VideoFrame) -> np.ndarray:
    """The frame as a BGR array (what the face detectors take)."""
    if frame.format.name in ("yuv420p", "yuvj420p") and frame.width % 2 == 0 and frame.height % 2 == 0:
        # OpenCV converts planar 4:2:0 several times faster than FFmpeg's swscale does.
        y, u, v = (np.frombuffer(p, np.uint8).reshape(-1, p.line_size) for p in frame.planes)
        w, h = frame.width, frame.height
        chroma = [c[: h // 2, : w // 2].reshape(-1, w) for c in (u, v)]
        i420 = np.concatenate([y[:h, :w], *chroma])
        return cv2.cvtColor(i420, cv2.COLOR_YUV2BGR_I420)
    return frame.to_ndarray(format="bgr24")


def luma(frame: av.VideoFrame) -> np.ndarray:
    """The frame's 8-bit luma as a contiguous array (no colour conversion when it is YUV)."""
    if frame.format.name in _Y_FORMATS:
        plane = frame.planes[0]
        rows = np.frombuffer(plane, np.uint8).reshape(-1, plane.line_size)
        return np.ascontiguousarray(rows[: frame.height, : frame.width])
    return frame.to_ndarray(format="gray")


def probe(path: str | os.PathLike[str]) -> VideoInfo:
    """Check that ``path`` is a complete video and describe it; raise ``NotAVideo`` if not.

    Fast (tens of milliseconds): reads the header, decodes the first frame and the last few
    seconds. A file cut short (an interrupted upload) is caught by the last check: its
    frames stop well before the duration the header promises, or its header is missing.
    """
    if not os.path.isfile(path):
        raise NotAVideo(_l("The file does not exist."))
    if os.path.getsize(path) == 0:
        raise NotAVideo(_l("The file is empty."))
    with _open(path) as container:
        if any(tag in (container.format.name or "") for tag in _IMAGE_FORMATS):
            raise NotAVideo(_l("The file is a still image, not a video."))
        stream = _video_stream(container)
        duration = _duration(container, stream)
        if duration < th.MIN_DURATION_S:
            raise NotAVideo(_l("The video is too short to analyse."))
        t0 = _t0(stream)
        first = _decode_one(container, stream, t0)
        if first is None:
            raise NotAVideo(_l("The video stream cannot be decoded."))
        last = _last_time(container, stream, duration, t0)
        if last is None or last < duration - th.TRUNCATION_TOLERANCE_S:
            raise NotAVideo(_l("The file is truncated: the video stops before its end."))
        rate = stream.average_rate or stream.guessed_rate or Fraction(0)
        return VideoInfo(
            duration_s=round(duration, 3),
            width=first.width,
            height=first.height,
            fps=round(float(rate), 3),
            codec=stream.codec_context.name,
        )


def _decode_one(
    container: av.container.InputContainer, stream: av.video.stream.VideoStream, t0: float
) -> av.VideoFrame | None:
    try:
        for frame in container.decode(stream):
            return frame
    except (av.error.FFmpegError, EOFError):
        return None
    return None


def _last_time(
    container: av.container.InputContainer, stream: av.video.stream.VideoStream, duration: float, t0: float
) -> float | None:
    """Timestamp of the last frame that decodes, starting a few seconds before the end."""
    last = None
    try:
        _seek(container, stream, max(0.0, duration - th.TAIL_CHECK_S))
        for frame in container.decode(stream):
            last = _frame_time(frame, t0)
    except (av.error.FFmpegError, EOFError):
        pass
    return last


def sampling(path: str | os.PathLike[str]) -> Sampling:
    """Whether keyframes alone give a sample every 2 s (looked at in the first 30 s)."""
    with _open(path) as container:
        stream = _video_stream(container)
        t0 = _t0(stream)
        times: list[float] = []
        for packet in container.demux(stream):
            if packet.pts is None or packet.time_base is None:
                continue
            t = float(packet.pts * packet.time_base) - t0
            if packet.is_keyframe:
                times.append(t)
            if t > th.GOP_PROBE_S:
                break
    gaps = np.diff(times) if len(times) > 1 else np.array([float("inf")])
    gop = float(np.max(gaps))
    return Sampling(keyframes_only=gop <= th.MAX_SAMPLE_INTERVAL_S + th.GOP_SLACK_S, gop_s=gop)


def samples(
    path: str | os.PathLike[str], how: Sampling, start_s: float, end_s: float, warmup_s: float = 0.0
) -> Iterator[tuple[float, np.ndarray, np.ndarray, bool]]:
    """Yield ``(t, luma, bgr, in_range)`` for the samples with ``start_s <= t < end_s``.

    The samples from ``warmup_s`` before ``start_s`` (and at least the one just before it)
    are yielded first with ``in_range=False``, so a worker handling this time range can
    compare its first sample with the one before and carry the state a single pass over
    the whole file would have.
    """
    with _open(path) as container:
        stream = _video_stream(container)
        t0 = _t0(stream)
        if how.keyframes_only:
            stream.codec_context.skip_frame = "NONKEY"
        lead = how.gop_s + th.MAX_SAMPLE_INTERVAL_S if how.keyframes_only else th.MAX_SAMPLE_INTERVAL_S * 2
        if start_s > 0:
            _seek(container, stream, max(0.0, start_s - warmup_s - lead))
        last_t: float | None = None  # full decoding: the frame decoded before this one
        step = th.MAX_SAMPLE_INTERVAL_S
        try:
            for frame in container.decode(stream):
                t = _frame_time(frame, t0)
                if not how.keyframes_only:
                    # Sample the first frame of every 2 s slot, as a pass from the start would;
                    # the first frame after a seek has an unknown predecessor and is skipped.
                    before, last_t = last_t, t
                    starts_slot = t < 1e-3 if before is None else np.floor(t / step) > np.floor(before / step)
                    if not starts_slot:
                        continue
                if t >= end_s:
                    break
                yield t, luma(frame), bgr(frame), t >= start_s
        except av.error.FFmpegError as exc:
            raise NotAVideo(_l("The video is damaged and cannot be decoded to the end.")) from exc


def frame_at(path: str | os.PathLike[str], how: Sampling, t: float) -> np.ndarray | None:
    """The sample at time ``t`` (or the first after it) as a BGR image."""
    with _open(path) as container:
        stream = _video_stream(container)
        t0 = _t0(stream)
        if how.keyframes_only:
            stream.codec_context.skip_frame = "NONKEY"
        _seek(container, stream, t)
        try:
            for frame in container.decode(stream):
                if _frame_time(frame, t0) >= t - 1e-3:
                    return bgr(frame)
        except av.error.FFmpegError:
            return None
    return None


def jpeg(image: np.ndarray, width: int = th.EVIDENCE_WIDTH, quality: int = th.EVIDENCE_QUALITY) -> bytes:
    """A BGR image as a JPEG at most ``width`` wide."""
    h, w = image.shape[:2]
    if w > width:
        image = cv2.resize(image, (width, max(1, round(h * width / w))), interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return buf.tobytes()
