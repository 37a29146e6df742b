"""The web process's access log: gunicorn's own line, written without gunicorn's per-request dictionary."""
from __future__ import annotations

import datetime as dt
import logging
import time
import unicodedata
import urllib.parse
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest
from gunicorn.config import Config
from gunicorn.glogging import Logger

from gateway import id_masking
from gateway.web.access_log import AccessLogger
from tests.fault.stack import procfile_command, procfile_web, wait_until

ID = "350102199001011238"
NOW = "[07/Dec/2026:09:30:00 +0800]"


def written(logger_class: type[Logger], tmp_path: Path, environ: dict, status="200 OK", sent=120,
            access_log_format: str | None = None) -> str:
    """The line `logger_class` writes for one request, at a fixed time."""
    path = tmp_path / f"{logger_class.__name__}.log"
    cfg = Config()
    cfg.set("accesslog", str(path))
    if access_log_format:
        cfg.set("access_log_format", access_log_format)
    logger = logger_class(cfg)
    request = SimpleNamespace(headers=[("HOST", "gateway.example"), ("X-TWILIO-SIGNATURE", "sig=")])
    response = SimpleNamespace(status=status, sent=sent, headers=[("Content-Type", "text/xml"),
                                                                  ("X-Request-Id", "4f2a9c0d1e3b5a67")])
    logger.access(response, request, environ, dt.timedelta(milliseconds=7))
    for handler in logger.access_log.handlers:
        handler.flush()
    return path.read_text(encoding="utf-8")


def environ(**extra) -> dict:
    values = {"REQUEST_METHOD": "POST", "RAW_URI": "/sms", "PATH_INFO": "/sms", "QUERY_STRING": "",
              "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "10.0.0.7", "HTTP_USER_AGENT": "TwilioProxy/1.1"}
    values.update(extra)
    return values


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    monkeypatch.setattr(time, "strftime", lambda fmt, *args: NOW)


@pytest.mark.parametrize("request_environ, status, sent", [
    (environ(), "200 OK", 120),
    (environ(REQUEST_METHOD="GET", RAW_URI="/review?page=2&q=%E5%BC%A0", HTTP_REFERER="https://gw.example/review"),
     "302 FOUND", 0),
    (environ(HTTP_USER_AGENT='curl/8 "quoted"', RAW_URI='/a"b'), "404 NOT FOUND", None),
    (environ(HTTP_AUTHORIZATION="Basic b2ZmaWNlcjpzZWNyZXQ=", REMOTE_ADDR="::1"), "401 UNAUTHORIZED", 19),
    ({k: v for k, v in environ().items() if k not in ("HTTP_USER_AGENT", "REMOTE_ADDR")}, "500 INTERNAL SERVER ERROR", 5),
])
def test_the_line_is_the_one_gunicorn_writes(tmp_path, request_environ, status, sent):
    ours = written(AccessLogger, tmp_path, request_environ, status, sent)
    assert ours == written(Logger, tmp_path, request_environ, status, sent)
    assert ours.count("\n") == 1 and NOW in ours


def test_another_format_is_left_to_gunicorn(tmp_path):
    line = written(AccessLogger, tmp_path, environ(), access_log_format='%(h)s %({x-request-id}o)s %(M)s')
    assert line == "10.0.0.7 4f2a9c0d1e3b5a67 7\n"


def test_an_id_in_the_address_is_masked(tmp_path, monkeypatch):
    monkeypatch.setattr(logging, "_logRecordFactory", logging.getLogRecordFactory())  # restored after the test
    id_masking.mask_log_records()
    line = written(AccessLogger, tmp_path, environ(REQUEST_METHOD="GET", RAW_URI=f"/people?q={ID}"))
    assert ID not in line and "/people?q=3501**********1238" in line


@pytest.mark.parametrize("field", ["RAW_URI", "HTTP_REFERER"])
@pytest.mark.parametrize("query", ["q=350102+19900101+1238", "q=%33%35%30%31%30%32%31%39%39%30%30%31%30%31%31%32%33%38",
                                   "q=" + "".join(f"%{b:02X}" for b in "３５０１０２１９９００１０１１２３８".encode())])
@pytest.mark.parametrize("logger_class, access_log_format", [(AccessLogger, None), (Logger, '%(h)s "%(r)s" "%(f)s"')])
def test_an_id_a_browser_form_encoded_is_masked(tmp_path, monkeypatch, field, query, logger_class, access_log_format):
    """A GET form sends what was typed percent- or plus-encoded (the register's filter, a search): the line
    must not keep a number that decoding gives back whole, in the address or in the Referer, whichever
    logger writes it (ours for the default line, gunicorn's for another format)."""
    monkeypatch.setattr(logging, "_logRecordFactory", logging.getLogRecordFactory())  # restored after the test
    id_masking.mask_log_records()
    address = f"/register?{query}"
    line = written(logger_class, tmp_path, environ(REQUEST_METHOD="GET", **{field: address}),
                   access_log_format=access_log_format)
    digits = "".join(c for c in urllib.parse.unquote_plus(line) if c.isdigit())
    assert "0219900101" not in unicodedata.normalize("NFKC", digits)
    assert "3501**********1238" in unicodedata.normalize("NFKC", line)


def test_an_encoded_address_without_an_id_is_written_as_sent(tmp_path, monkeypatch):
    monkeypatch.setattr(logging, "_logRecordFactory", logging.getLogRecordFactory())
    id_masking.mask_log_records()
    address = "/review?page=2&q=%E5%BC%A0+%E4%B8%89&room=301&phone=%2B8613800138000"
    assert f'"GET {address} HTTP/1.1"' in written(AccessLogger, tmp_path, environ(REQUEST_METHOD="GET", RAW_URI=address))


@pytest.mark.fault  # the Procfile's web command itself, on the real servers
def test_the_procfile_web_process_writes_it(stack, tmp_path):
    """The Procfile's `web` line, run by a shell as a Procfile runner does, writes the line masked."""
    command = procfile_command("web")
    assert "--logger-class gateway.web.access_log.AccessLogger" in command

    with procfile_web(stack.env(), tmp_path / "web.log") as port:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz?q={ID}", timeout=5) as response:
            assert response.status == 200
        wait_until(lambda: "GET /healthz?q=" in (tmp_path / "web.log").read_text(), 10, "its access line")
    log = (tmp_path / "web.log").read_text()
    # The line of this request, not of the readiness checks that may come after it (`GET /healthz` alone).
    lines = [line for line in log.splitlines() if "GET /healthz?q=" in line]
    assert lines and ID not in log
    assert '"GET /healthz?q=3501**********1238 HTTP/1.1" 200 ' in lines[-1]
