// The phone simulator: every message and key press goes to the real, signed webhooks
// through /dev/phone/*; text from the gateway is inserted with textContent (never HTML).
(function () {
  "use strict";
  // Data, not code: a JSON block the Content-Security-Policy lets through, unlike an inline script.
  var SIM = JSON.parse(document.getElementById("sim-config").textContent);
  var S = SIM.strings;
  var POLL_MS = 3000;

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

  // A phone's SMS thread is what the gateway holds for that number (its messages and the outbox), oldest
  // first, newest at the bottom: it survives a reload and shows texts the gateway sends on its own.
  function loadThread(number, list) {
    if (!number) { return Promise.resolve(); }
    return fetch("/dev/phone/thread?number=" + encodeURIComponent(number))
      .then(function (r) { return r.json(); })
      .then(function (r) {
        var key = JSON.stringify(r.messages);
        if (list.dataset.shown === key) { return; }
        list.dataset.shown = key;
        list.textContent = "";
        r.messages.forEach(function (m) {
          add(list, m.out ? S.you : S.gateway, m.body, m.out ? "out" : "in");
        });
        if (!r.messages.length) { add(list, "", S.empty, "end"); }
      });
  }

  // SMS
  var smsThread = document.getElementById("sms-thread");
  var smsFrom = document.getElementById("sms-from");
  function refreshSms() { return loadThread(smsFrom.value, smsThread); }
  smsFrom.addEventListener("change", refreshSms);
  document.getElementById("sms-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var body = document.getElementById("sms-body");
    var text = body.value;
    add(smsThread, S.you, text, "out");
    body.value = "";
    post("/dev/phone/sms", {from: smsFrom.value, body: text}).then(function (r) {
      if (r.error || !r.reply) { add(smsThread, S.gateway, r.error || S.no_reply, "in"); return; }
      smsThread.dataset.shown = "";
      refreshSms();
    });
  });
  refreshSms();
  setInterval(refreshSms, POLL_MS);

  // Voice
  var call = null;
  var callThread = document.getElementById("call-thread");
  var callerSms = document.getElementById("caller-sms");
  var form = document.getElementById("call-form");
  var input = document.getElementById("call-input");
  var send = document.getElementById("call-send");
  var hint = document.getElementById("call-hint");

  function hangUp() {
    call = null;  // typing after the end posts nowhere
    form.hidden = true;
    hint.textContent = "";
  }

  function show(r) {
    if (!call) { return; }
    if (r.error) { add(callThread, S.gateway, r.error, "in"); hangUp(); return; }
    call.sid = r.call_sid;
    call.next = r.next_path;
    call.silence = r.silence_path;
    call.waits = r.waits;
    r.said.forEach(function (line) { add(callThread, S.line, line, "in"); });
    if (r.waits === "hangup" || !r.next_path) {
      add(callThread, "", S.ended, "end");
      var caller = call.from;
      hangUp();
      // The caller's receipt SMS comes from the worker a moment later.
      setTimeout(function () { loadThread(caller, callerSms); }, 1500);
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
    loadThread(call.from, callerSms);
    post("/dev/phone/voice", {from: call.from, path: "/voice"}).then(show);
  });

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    if (!call || !call.next) { return; }
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
    if (!call || !(call.silence || call.next)) { return; }
    add(callThread, S.you, "…", "out");
    post("/dev/phone/voice", {from: call.from, call_sid: call.sid, path: call.silence || call.next}).then(show);
  });
})();
