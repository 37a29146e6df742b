"""A real local HTTP server standing in for Twilio's media host: JPEG/PNG/WebP, garbage, oversize, redirects.

Every request is recorded (method, path, Authorization), so a test can prove a URL was never fetched.
"""
from __future__ import annotations

import io
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from PIL import Image


def picture(fmt: str = "JPEG", size: tuple[int, int] = (320, 240), gps: bool = False) -> bytes:
    """An image in `fmt`; with `gps`, EXIF carrying a GPS position and a camera model."""
    img = Image.new("RGB", size, (200, 30, 30))
    out = io.BytesIO()
    if gps:
        exif = Image.Exif()
        exif[0x0110] = "SecretCam 9000"  # Model
        exif[0x8825] = {1: "N", 2: (26.0, 4.0, 30.0), 3: "E", 4: (119.0, 18.0, 0.0)}  # GPSInfo
        img.save(out, fmt, exif=exif)
    else:
        img.save(out, fmt)
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG file whose header claims `width` x `height` pixels: an image bomb (decoding it would allocate
    width * height bytes or more)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 4096)) + chunk(b"IEND", b"")


@dataclass
class Served:
    status: int = 200
    body: bytes = b""
    content_type: str = "image/jpeg"
    location: str | None = None
    stall: threading.Event | None = None  # answer only once set (a Twilio that never answers: the client times out)


@dataclass
class MediaServer:
    routes: dict[str, Served] = field(default_factory=dict)
    seen: list[tuple[str, str, str | None]] = field(default_factory=list)

    def start(self) -> MediaServer:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, with_body: bool) -> None:
                owner.seen.append((self.command, self.path, self.headers.get("Authorization")))
                served = owner.routes.get(self.path)
                if served is not None and served.stall is not None:
                    served.stall.wait(30)
                if self.command == "DELETE":
                    self.send_response(204 if served else 404)
                    self.end_headers()
                    return
                if served is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                self.send_response(served.status)
                if served.location:
                    self.send_header("Location", served.location)
                self.send_header("Content-Type", served.content_type)
                self.end_headers()  # no Content-Length: the client must stop reading by itself
                if with_body:
                    try:
                        self.wfile.write(served.body)
                    except (BrokenPipeError, ConnectionResetError):
                        pass
                self.close_connection = True

            def do_GET(self) -> None:
                self._answer(True)

            def do_DELETE(self) -> None:
                self._answer(False)

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.host = f"127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def url(self, path: str) -> str:
        return f"http://{self.host}{path}"

    def stop(self) -> None:
        for served in self.routes.values():
            if served.stall is not None:
                served.stall.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def requests_for(self, path: str, method: str = "GET") -> list:
        return [s for s in self.seen if s[0] == method and s[1] == path]
