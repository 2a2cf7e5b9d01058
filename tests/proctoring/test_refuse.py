"""Files that are not complete videos are refused with a specific, readable reason."""

from __future__ import annotations

from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from proctoring.analysis import NotAVideo, analyse, probe

from .conftest import Recording

# Every test here makes or analyses video: slow (run with the full suite, `make test`).
pytestmark = pytest.mark.slow


def _truncate(src: Path, dst: Path, keep: float = 0.7) -> Path:
    data = src.read_bytes()
    dst.write_bytes(data[: int(len(data) * keep)])
    return dst


@pytest.fixture(scope="module")
def faststart(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from .conftest import make

    return make(tmp_path_factory.mktemp("fs") / "fs.mp4", duration_s=20.0, faststart=True).path


def _audio_only(path: Path) -> Path:
    with av.open(str(path), "w") as out:
        stream = out.add_stream("aac", rate=16000)
        for i in range(30):
            frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
            frame.sample_rate, frame.pts = 16000, i * 1024
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def _bad_files(tmp_path: Path, clean: Recording, faststart: Path) -> dict[str, tuple[Path, str]]:
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    text = tmp_path / "notes.mp4"
    text.write_text("考试签到表 not a video\n" * 100)
    still = tmp_path / "photo.mp4"
    ok, buf = cv2.imencode(".jpg", np.full((240, 320, 3), 128, np.uint8))
    still.write_bytes(buf.tobytes())
    return {
        "zero-byte": (empty, "empty"),
        "non-video": (text, "not a video"),
        "still image": (still, "still image"),
        "audio only": (_audio_only(tmp_path / "audio.m4a"), "no video stream"),
        # moov atom at the end (as cameras write MP4): the index is gone with the tail.
        "truncated": (_truncate(clean.path, tmp_path / "cut.mp4"), "not a video"),
        # moov atom first (web-optimised): the index promises frames the file lacks.
        "truncated faststart": (_truncate(faststart, tmp_path / "cut-fs.mp4"), "truncated"),
        "missing": (tmp_path / "nowhere.mp4", "does not exist"),
    }


CASES = ["zero-byte", "non-video", "still image", "audio only", "truncated", "truncated faststart", "missing"]


@pytest.mark.parametrize("case", CASES)
def test_refused(case: str, tmp_path: Path, clean: Recording, faststart: Path) -> None:
    path, words = _bad_files(tmp_path, clean, faststart)[case]
    for call in (probe, analyse):
        with pytest.raises(NotAVideo) as err:
            call(path)
        assert words in str(err.value.reason)


def test_probe_describes_a_good_file(clean: Recording, faststart: Path) -> None:
    info = probe(clean.path)
    assert (info.duration_s, info.width, info.height, info.fps, info.codec) == (90.0, 640, 360, 10.0, "h264")
    assert probe(faststart).duration_s == 20.0


def test_other_containers_are_read(tmp_path: Path, faststart: Path) -> None:
    # CCTV exports come as MP4, MKV or MPEG-TS: copy the same H.264 into each.
    for ext in ("mkv", "ts"):
        out_path = tmp_path / f"copy.{ext}"
        with av.open(str(faststart)) as src, av.open(str(out_path), "w") as dst:
            stream = dst.add_stream_from_template(src.streams.video[0])
            for packet in src.demux(src.streams.video[0]):
                if packet.dts is not None:
                    packet.stream = stream
                    dst.mux(packet)
        assert abs(probe(out_path).duration_s - 20.0) < 0.2
        assert len(analyse(out_path).samples) == 10
