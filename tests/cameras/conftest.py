"""A real RTSP camera for the tests: GStreamer's RTSP server (``rtsp_camera.py``) run by the
system Python, which has GObject introspection; it can be stopped and started again on the
same port, as a camera that goes offline and comes back."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

SERVER = Path(__file__).with_name("rtsp_camera.py")
SYSTEM_PYTHON = "/usr/bin/python3"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _has_rtsp_server() -> bool:
    if not shutil.which(SYSTEM_PYTHON):
        return False
    probe = "import gi; gi.require_version('GstRtspServer', '1.0'); from gi.repository import GstRtspServer"
    return subprocess.run([SYSTEM_PYTHON, "-c", probe], capture_output=True).returncode == 0


class RtspCamera:
    def __init__(self, port: int, clip: Path | None = None, shared: bool = False) -> None:
        self.port, self.clip, self.shared = port, clip, shared
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"rtsp://127.0.0.1:{self.port}/room"

    def start(self) -> RtspCamera:
        command = [SYSTEM_PYTHON, str(SERVER), "--port", str(self.port)]
        if self.clip:
            command += ["--clip", str(self.clip)]
        if self.shared:
            command.append("--shared")
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()
        if not line.startswith("ready"):
            self.process.kill()
            raise RuntimeError(f"the RTSP server did not start: {line} {self.process.stderr.read()}")
        time.sleep(0.3)  # the looping clip's first frames
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None


@pytest.fixture()
def rtsp_camera():
    """Make cameras with ``rtsp_camera(clip=None)``; every one is stopped after the test."""
    if not _has_rtsp_server():
        pytest.fail("GStreamer's RTSP server is not installed: make test installs TEST_PACKAGES")
    made: list[RtspCamera] = []

    def start(clip: Path | None = None, port: int | None = None, shared: bool = False) -> RtspCamera:
        camera = RtspCamera(port or free_port(), clip, shared).start()
        made.append(camera)
        return camera

    yield start
    for camera in made:
        camera.stop()
