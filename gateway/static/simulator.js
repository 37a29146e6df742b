// The phone simulator: every message and key press goes to the real, signed webhooks
// through /dev/phone/*; text from the gateway is inserted with textContent (never HTML).
(function () {
  "use strict";
  // Data, not code: a JSON block the Content-Security-Policy lets through, unlike an inline script.
  var SIM = JSON.parse(document.getElementById("sim-config").textContent);
  var S = SIM.strings;

  function post(path, payload) {
    return fetch(path, {
      method: "POST",
      headers: {"Content-Type": "application/json", "X-CSRFToken": SIM.csrf},
      body: JSON.stringify(payload)
    }).then(function (r) { return r.json(); });
  }

  function add(list, who, text, cls) {
    var li = document.createElement("li");
    li.className = cls;
    var label = document.createElement("span");
    label.className = "who";
    label.textContent = who;
    var body = document.createElement("span");
    body.className = "text";
    body.textContent = text;
    li.appendChild(label);
    li.appendChild(body);
    list.appendChild(li);
    list.scrollTop = list.scrollHeight;
  }

  // SMS
  var smsThread = document.getElementById("sms-thread");
  document.getElementById("sms-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var body = document.getElementById("sms-body");
    var text = body.value;
    add(smsThread, S.you, text, "out");
    body.value = "";
    post("/dev/phone/sms", {from: document.getElementById("sms-from").value, body: text}).then(function (r) {
      add(smsThread, S.gateway, r.reply || r.error || S.no_reply, "in");
    });
  });

  // Voice
  var call = null;
  var callThread = document.getElementById("call-thread");
  var form = document.getElementById("call-form");
  var input = document.getElementById("call-input");
  var send = document.getElementById("call-send");
  var hint = document.getElementById("call-hint");

  function show(r) {
    if (r.error) { add(callThread, S.gateway, r.error, "in"); return; }
    call.sid = r.call_sid;
    call.next = r.next_path;
    call.silence = r.silence_path;
    call.waits = r.waits;
    r.said.forEach(function (line) { add(callThread, S.line, line, "in"); });
    if (r.waits === "hangup") {
      add(callThread, "", S.ended, "end");
      form.hidden = true;
      hint.textContent = "";
      return;
    }
    form.hidden = false;
    hint.textContent = S[r.waits] || "";
    send.textContent = r.waits === "speech" ? S.say : (r.waits === "record" ? S.rec : S.press);
    input.focus();
  }

  document.getElementById("call-start").addEventListener("click", function () {
    callThread.textContent = "";
    call = {from: document.getElementById("call-from").value};
    post("/dev/phone/voice", {from: call.from, path: "/voice"}).then(show);
  });

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var value = input.value;
    input.value = "";
    var payload = {from: call.from, call_sid: call.sid, path: call.next};
    if (call.waits === "speech") { payload.speech = value; payload.confidence = 0.9; }
    else if (call.waits === "record") {
      payload.recording_url = "https://api.twilio.com/demo-recordings/" + Date.now();
      payload.digits = "#";
    } else { payload.digits = value; }
    add(callThread, S.you, call.waits === "record" ? S.rec + ": " + value : value, "out");
    post("/dev/phone/voice", payload).then(show);
  });

  document.getElementById("call-silence").addEventListener("click", function () {
    add(callThread, S.you, "…", "out");
    post("/dev/phone/voice", {from: call.from, call_sid: call.sid, path: call.silence || call.next}).then(show);
  });
})();
