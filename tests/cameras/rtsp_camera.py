"""A networked classroom camera for the tests: GStreamer's RTSP server on a free port.

Runs under the system Python with GObject introspection (``python3-gi`` and
``gir1.2-gst-rtsp-server-1.0``), not the project's virtualenv. The clip (an MP4) plays in a
loop in one pipeline that runs from the start, like a camera filming whether or not anyone
watches; each client gets what it shows now, encoded as H.264 with a keyframe every second.
Without a clip the camera shows GStreamer's test picture. Prints ``ready <port>`` once it
listens; stops on SIGTERM.

    /usr/bin/python3 rtsp_camera.py --port 8554 [--clip room.mp4] [--path /room]
"""

import argparse
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

ENCODE = (
    "videoconvert ! video/x-raw,format=I420 ! openh264enc gop-size=10 rate-control=bitrate "
    "bitrate=800000 ! h264parse ! rtph264pay name=pay0 pt=96 config-interval=1"
)


def _looping_clip(clip: str, fps: int) -> Gst.Pipeline:
    player = Gst.parse_launch(
        f"filesrc location={clip} ! qtdemux ! h264parse ! avdec_h264 ! videoconvert ! videorate "
        f"! video/x-raw,framerate={fps}/1 ! intervideosink channel=camera sync=true"
    )

    def on_message(_bus, message):
        if message.type == Gst.MessageType.EOS:
            player.seek_simple(Gst.Format.TIME, Gst.SeekFlags.FLUSH | Gst.SeekFlags.KEY_UNIT, 0)
        return True

    bus = player.get_bus()
    bus.add_signal_watch()
    bus.connect("message", on_message)
    player.set_state(Gst.State.PLAYING)
    return player


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--clip")
    parser.add_argument("--fps", type=int, default=10)
    parser.add_argument("--path", default="/room")
    parser.add_argument("--shared", action="store_true", help="one encoder for every client")
    args = parser.parse_args()
    Gst.init(None)
    keep = []
    if args.clip:
        keep.append(_looping_clip(args.clip, args.fps))
        source = f"intervideosrc channel=camera ! video/x-raw,framerate={args.fps}/1"
    else:
        size = "width=640,height=360"
        source = f"videotestsrc is-live=true pattern=ball ! video/x-raw,{size},framerate={args.fps}/1"
    server = GstRtspServer.RTSPServer()
    server.set_service(str(args.port))
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(f"( {source} ! {ENCODE} )")
    factory.set_shared(args.shared)
    server.get_mount_points().add_factory(args.path, factory)
    if server.attach(None) == 0:
        sys.exit(f"cannot listen on port {args.port}")
    loop = GLib.MainLoop()
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, loop.quit)
    print(f"ready {args.port}", flush=True)
    loop.run()


if __name__ == "__main__":
    main()
