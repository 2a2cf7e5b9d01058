"""Networked classroom cameras (监控视频联网): checking a stream address, and taking one frame
from each camera at once, without letting a dead camera hold up the others.

A stream address keeps its user name and password apart: the address shown, logged and
audited never has them, and the one given to FFmpeg is put together here and nowhere else.
Errors are reduced to a short code (``timeout``, ``refused``…), never FFmpeg's message, which
quotes the address it was given.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from fractions import Fraction
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from training_portal.core.errors import DomainError

SCHEMES = ("rtsp", "rtsps", "http", "https")
ERROR_CODES = ("timeout", "refused", "unreachable", "not_video", "no_frame", "error")


class BadStreamUrl(DomainError):
    """Not an address a camera can be read from (422, on the address field)."""

    def __init__(self, reason: object) -> None:
        super().__init__(reason, field="stream_url")


@dataclass(frozen=True)
class StreamAddress:
    url: str  # without credentials: safe to show, log and audit
    username: str = ""
    password: str = ""


def parse_stream_url(raw: str, username: str = "", password: str = "") -> StreamAddress:
    """Check an ``rtsp://``, ``rtsps://``, ``http://`` or ``https://`` address; credentials
    written into it (``rtsp://user:pass@host/…``) are taken out and kept apart. Credentials
    given separately win over those in the address."""
    from flask_babel import lazy_gettext as _l

    raw = (raw or "").strip()
    if len(raw) > 500 or any(c.isspace() or ord(c) < 32 for c in raw):
        raise BadStreamUrl(_l("A stream address is one line of at most 500 characters."))
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError as exc:
        raise BadStreamUrl(_l("Not a valid stream address.")) from exc
    if parts.scheme.lower() not in SCHEMES:
        raise BadStreamUrl(_l("A stream address starts with rtsp://, rtsps://, http:// or https://."))
    if not parts.hostname:
        raise BadStreamUrl(_l("The stream address names no host."))
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    netloc = host if port is None else f"{host}:{port}"
    public = urlunsplit((parts.scheme.lower(), netloc, parts.path, parts.query, ""))
    return StreamAddress(
        public,
        username or unquote(parts.username or ""),
        password or unquote(parts.password or ""),
    )


def _with_credentials(address: StreamAddress) -> str:
    if not address.username:
        return address.url
    parts = urlsplit(address.url)
    userinfo = quote(address.username, safe="")
    if address.password:
        userinfo += ":" + quote(address.password, safe="")
    return urlunsplit((parts.scheme, f"{userinfo}@{parts.netloc}", parts.path, parts.query, ""))


@dataclass
class Grab:
    """One attempt to read a camera: a BGR frame, or an error code."""

    ok: bool
    image: object = None  # numpy BGR array
    error: str = ""
    seconds: float = 0.0


def _error_code(exc: BaseException, waited_s: float, timeout_s: float) -> str:
    import av.error

    # PyAV's timeout interrupts FFmpeg, which then reports whatever it was doing (often
    # "invalid data"): the time waited tells a timeout.
    if isinstance(exc, TimeoutError | av.error.ExitError) or waited_s >= timeout_s * 0.95:
        return "timeout"
    if isinstance(exc, ConnectionRefusedError | av.error.ConnectionRefusedError):
        return "refused"
    if isinstance(exc, OSError) and getattr(exc, "errno", None) in (5, 101, 110, 113, -2, -3):
        return "unreachable"
    if isinstance(exc, av.error.InvalidDataError):
        return "not_video"
    return "error"


def grab(address: StreamAddress, timeout_s: float = 5.0) -> Grab:
    """Open the stream, decode the first keyframe (the only kind a sample needs), close.

    ``timeout_s`` bounds opening and each read; the whole attempt ends after about twice
    that, so a camera that sends nothing but keeps the connection open is let go too."""
    import av

    from .video import bgr

    started = time.monotonic()
    deadline = started + 2 * timeout_s
    options = {
        # Little probing: the SDP names the codec and size; waiting 5 s to confirm it is for files.
        "analyzeduration": "200000",
        "probesize": "65536",
        "fpsprobesize": "0",
    }
    if address.url.startswith("rtsp"):
        options["rtsp_transport"] = "tcp"  # one connection through firewalls, no lost packets
    try:
        container = av.open(_with_credentials(address), options=options, timeout=(timeout_s, timeout_s))
    except Exception as exc:  # noqa: BLE001  (reduced to a code: the message quotes the address)
        waited = time.monotonic() - started
        return Grab(False, error=_error_code(exc, waited, timeout_s), seconds=waited)
    try:
        if not container.streams.video:
            return Grab(False, error="not_video", seconds=time.monotonic() - started)
        stream = container.streams.video[0]
        stream.codec_context.skip_frame = "NONKEY"
        for packet in container.demux(stream):
            if time.monotonic() > deadline:
                return Grab(False, error="timeout", seconds=time.monotonic() - started)
            for frame in packet.decode():
                return Grab(True, image=bgr(frame), seconds=time.monotonic() - started)
        return Grab(False, error="no_frame", seconds=time.monotonic() - started)
    except Exception as exc:  # noqa: BLE001
        waited = time.monotonic() - started
        return Grab(False, error=_error_code(exc, 0.0, timeout_s), seconds=waited)
    finally:
        container.close()


def grab_all(
    cameras: Iterable[tuple[int, StreamAddress]], *, timeout_s: float = 5.0, workers: int = 32
) -> dict[int, Grab]:
    """One frame from every camera, ``workers`` at a time: FFmpeg waits on the network with the
    GIL released, so threads overlap the waiting; a dead camera holds one thread for at most
    its timeout."""
    cameras = list(cameras)
    if not cameras:
        return {}
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(cameras)))) as pool:
        futures = {cid: pool.submit(grab, address, timeout_s) for cid, address in cameras}
        return {cid: future.result() for cid, future in futures.items()}


def write_samples_video(frames: list[tuple[float, str]], out_path: str) -> float:
    """Encode the samples of a live lesson, ``(t seconds from the first, JPEG path)``, as an
    H.264 MP4 in which every sample is a keyframe at its own time: the file the upload path
    analyses, so live samples are judged exactly as an uploaded recording is. Returns the time
    of the last sample written."""
    import av
    import cv2

    first = cv2.imread(frames[0][1])
    height, width = (first.shape[0] // 2) * 2, (first.shape[1] // 2) * 2
    with av.open(out_path, "w") as container:
        stream = container.add_stream("libx264", rate=1000)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.time_base = Fraction(1, 1000)
        stream.codec_context.time_base = Fraction(1, 1000)
        stream.options = {"crf": "20", "preset": "veryfast", "x264-params": "keyint=1:bframes=0:scenecut=0"}
        last = None
        for t, path in frames:
            image = cv2.imread(path)
            if image is None:
                continue
            if image.shape[:2] != (height, width):
                image = cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)
            pts = int(round(t * 1000))
            if last is not None and pts <= last:
                continue
            frame = av.VideoFrame.from_ndarray(image, format="bgr24")
            frame.pts, frame.time_base = pts, Fraction(1, 1000)
            for packet in stream.encode(frame):
                container.mux(packet)
            last = pts
        for packet in stream.encode():
            container.mux(packet)
    return (last or 0) / 1000
