/* The landlords' page (/my): everything through the JSON API under /api/v1, with the bearer token kept in
   this tab's sessionStorage. No inline script anywhere: the Content-Security-Policy allows /static only. */
"use strict";

const TEXTS = {
  zh: {
    title: "房东申报", switch: "English", login: "登录", phone: "手机号", send_code: "获取验证码", code: "验证码",
    log_in: "登录", properties: "我的房产", tenants: "在住租客", no_tenants: "暂无在住租客。",
    declare: "登记新租客入住", property: "房产", name: "姓名", document_type: "证件", ric: "居民身份证",
    passport: "护照", hkmo_permit: "港澳通行证", tw_permit: "台胞证", none: "无证件", document_number: "证件号码",
    hukou: "户籍地址", photo: "本人照片", photo_saved: "照片已保存。", room: "房号", date: "入住日期", tenant_phone: "租客手机（可不填）", submit: "提交",
    log_out: "退出登录", code_sent: "验证码已发送，10分钟内有效。", move_out: "已搬离", cancel: "撤销登记",
    confirm_move_out: "确认该租客已搬离？", confirm_cancel: "确认撤销这条登记？", waiting: "已提交，正在处理…",
    still_waiting: "仍在处理，请稍后刷新查看。", receipt: "回执", room_short: "房", failed: "出错了，请重试。",
    enrol_title: "还没有登记？房东、用工单位申请注册", enrol_help: "民警审核后，房产代码（用工单位：场所编号）会短信发到您的手机，之后即可登录申报。",
    kind_landlord: "房东", kind_employer: "用工单位", employer_name: "单位名称", employer_address: "单位地址",
    credit_code: "统一社会信用代码", site_kind: "第一个场所", site_address: "场所地址（空：同单位地址）",
    capacity: "床位数（可不填）",
    own_name: "您的姓名", address: "房产地址", alias: "简称（可不填）", single_unit: "整套出租（无房号）",
    enrol_submit: "提交注册申请", enrol_more_title: "增加一处出租房产（民警审核）",
    agents: "代理人", agents_help: "代理人可替您申报租客，每条申报您都会收到短信副本。", no_agents: "暂无代理人。",
    agent_phone: "代理人手机号", grant: "授权", revoke: "取消授权", all_properties: "全部房产", all_sites: "全部场所",
    employer_agents_help: "代理人可替本单位申报用工，每条申报本单位各联系人都会收到短信副本。",
    confirm_revoke: "确认取消该代理人的授权？", granted: "已授权。", revoked: "已取消授权。", as_agent: "代理",
    employer_title: "用工申报", sites: "用工场所", staff: "在职人员", no_staff: "暂无在职人员。", hire: "登记新用工人员", site: "场所",
    lodger: "在场所住宿", staff_room: "宿舍房号（可不填）", start: "入职日期", staff_phone: "本人手机（可不填）",
    leave: "已离职", confirm_leave: "确认该人员已离职？", lodging: "住宿",
    workplace: "工作场所", dormitory: "宿舍", building_site: "工地",
  },
  en: {
    title: "Landlord declarations", switch: "中文", login: "Log in", phone: "Mobile number", send_code: "Send code",
    code: "Code", log_in: "Log in", properties: "My properties", tenants: "Current tenants",
    no_tenants: "No current tenants.", declare: "Declare a new tenant", property: "Property", name: "Name",
    document_type: "Document", ric: "Resident ID", passport: "Passport", hkmo_permit: "HK/Macao permit",
    tw_permit: "Taiwan permit", none: "No document", document_number: "Document number",
    hukou: "Household-registration address", photo: "Photo of the person", photo_saved: "Photo saved.",
    room: "Room", date: "Move-in date",
    tenant_phone: "Tenant's mobile (optional)", submit: "Submit", log_out: "Log out",
    code_sent: "Code sent; valid for 10 minutes.", move_out: "Moved out", cancel: "Withdraw",
    confirm_move_out: "Did this tenant move out?", confirm_cancel: "Withdraw this declaration?",
    waiting: "Submitted, processing…", still_waiting: "Still processing; look again in a moment.",
    receipt: "receipt", room_short: "room", failed: "Something went wrong; try again.",
    enrol_title: "Not enrolled yet? Landlords and employers ask here",
    enrol_help: "An officer checks it; the property code (an employer's: the site code) then comes by SMS and you can log in.",
    kind_landlord: "Landlord", kind_employer: "Employer", employer_name: "Employer's name",
    employer_address: "Employer's address", credit_code: "Unified social credit code", site_kind: "First site",
    site_address: "Site address (empty: the employer's)", capacity: "Beds (optional)",
    own_name: "Your name", address: "Property address", alias: "Short name for it (optional)",
    single_unit: "Let as one unit (no rooms)", enrol_submit: "Send the request",
    enrol_more_title: "Add another rented property (an officer checks it)",
    agents: "Agents", agents_help: "An agent may declare tenants for you; you get a copy of every declaration by SMS.",
    no_agents: "No agents.", agent_phone: "Agent's mobile number", grant: "Allow", revoke: "Revoke",
    all_properties: "All properties", all_sites: "All sites", confirm_revoke: "Revoke this agent?", granted: "Agent allowed.",
    employer_agents_help: "An agent may declare staff for the employer; each of its contacts gets a copy of every declaration by SMS.",
    revoked: "Agent revoked.", as_agent: "as agent",
    employer_title: "Staff declarations", sites: "Sites", staff: "Current staff", no_staff: "No current staff.", hire: "Declare a new member of staff",
    site: "Site", lodger: "Lodges at the site", staff_room: "Dormitory room (optional)", start: "First day of work",
    staff_phone: "Their mobile (optional)", leave: "Left", confirm_leave: "Did this person leave?",
    lodging: "lodges", workplace: "Workplace", dormitory: "Dormitory", building_site: "Building site",
  },
};

let language = sessionStorage.getItem("language") || "zh";
const t = (key) => TEXTS[language][key] || key;
const $ = (selector) => document.querySelector(selector);

function translate() {
  document.documentElement.lang = language;
  document.title = t("title");
  document.querySelectorAll("[data-t]").forEach((el) => { el.textContent = t(el.dataset.t); });
}

function notify(text, kind) {
  const box = $("#notice");
  box.textContent = text;
  box.className = "notice" + (kind ? " " + kind : "");
  box.hidden = !text;
}

async function api(method, path, body) {
  const headers = {"Accept-Language": language};
  const token = sessionStorage.getItem("token");
  if (token) headers.Authorization = "Bearer " + token;
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    if (method === "POST") headers["Idempotency-Key"] = crypto.randomUUID ? crypto.randomUUID() : String(Math.random());
  }
  const response = await fetch(path, {method, headers, body: body === undefined ? undefined : JSON.stringify(body)});
  const data = response.status === 204 ? null : await response.json().catch(() => null);
  if (response.status === 401 && token) { logOut(false); }
  return {status: response.status, data};
}

function problemText(data) {
  if (!data || !data.codes || !data.codes.length) return (data && data.title) || t("failed");
  return data.codes.map((c) => c.text).join("\n");
}

function show(loggedIn) {
  $("#login").hidden = loggedIn;
  $("#mine").hidden = !loggedIn;
  // The same request form enrols a new landlord or adds a property for one logged in (with their phone).
  const title = $("#enrol summary");
  title.dataset.t = loggedIn ? "enrol_more_title" : "enrol_title";
  title.textContent = t(title.dataset.t);
  const phone = sessionStorage.getItem("phone");
  if (loggedIn && phone) $("#enrol-form input[name=phone]").value = phone;
  // Logged in, the form adds a property; logged out, a landlord or an employer asks to be enrolled.
  $("#enrol-kind").hidden = loggedIn;
  if (loggedIn) $("#enrol-form input[name=kind][value=landlord]").checked = true;
  enrolKind();
}

function enrolKind() {
  // Only the chosen kind's fields are shown and sent (a disabled fieldset is neither required nor submitted).
  const kind = $("#enrol-form input[name=kind]:checked").value;
  for (const group of document.querySelectorAll("#enrol-form [data-for]")) {
    group.hidden = group.disabled = group.dataset.for !== kind;
  }
  for (const label of document.querySelectorAll("#enrol-form [data-kind]")) label.hidden = label.dataset.kind !== kind;
}

async function load() {
  const props = await api("GET", "/api/v1/properties");
  // An employer contact's phone is refused the landlords' calls (wrong_declarant_kind): show its staff instead.
  const employer = props.status === 403 && props.data && props.data.type.endsWith("/wrong_declarant_kind");
  $("#landlord-part").hidden = employer;
  $("#employer-part").hidden = !employer;
  $("#more").hidden = employer;
  $("h1").dataset.t = employer ? "employer_title" : "title";
  $("h1").textContent = t($("h1").dataset.t);
  if (employer) { await loadStaff(); return; }
  if (props.status !== 200) return;
  const list = $("#properties");
  const select = $("#move-in select[name=property]");
  list.replaceChildren();
  select.replaceChildren();
  for (const p of props.data.properties) {
    const li = document.createElement("li");
    li.textContent = `${p.code}${p.alias ? " · " + p.alias : ""}${p.granted ? " (" + t("as_agent") + ")" : ""}`;
    const meta = document.createElement("div");
    meta.className = "meta";
    meta.textContent = p.address;
    li.append(meta);
    list.append(li);
    select.append(new Option(`${p.code}${p.alias ? " " + p.alias : ""}`, p.code));
  }
  await loadAgents("agents", props.data.properties.filter((p) => !p.granted));
  const tenants = await api("GET", "/api/v1/declarations?active=true");
  const ul = $("#tenants");
  ul.replaceChildren();
  const rows = tenants.status === 200 ? tenants.data.declarations : [];
  $("#no-tenants").hidden = rows.length > 0;
  for (const d of rows) {
    ul.append(personCard(d, `@${d.property}${d.room ? " " + t("room_short") + " " + d.room : ""} · ${d.move_in}`, [
      button(t("move_out"), "move-out", () => change("POST", `/api/v1/declarations/${d.receipt}/move-out`, {}, t("confirm_move_out"))),
      button(t("cancel"), "cancel danger", () => change("DELETE", `/api/v1/declarations/${d.receipt}`, undefined, t("confirm_cancel"))),
    ]));
  }
}

// A grantor's agents in its section (my.html's agents_section): a landlord's by property, an employer contact's
// by site (`field`), with `own` the places it may grant. An agent's token is refused here (403) and the section
// stays hidden: an agent cannot pass a grant on.
async function loadAgents(id, own) {
  const section = $(`#${id}-section`);
  const field = section.dataset.field;
  const every = t(field === "site" ? "all_sites" : "all_properties");
  const agents = await api("GET", "/api/v1/agents");
  section.hidden = agents.status !== 200;
  if (agents.status !== 200) return;
  const select = section.querySelector(`.agent-form select[name=${field}]`);
  select.replaceChildren(new Option(every, ""));
  for (const p of own) select.append(new Option(`${p.code}${p.alias ? " " + p.alias : ""}`, p.code));
  const ul = section.querySelector(".agents");
  ul.replaceChildren();
  section.querySelector(".no-agents").hidden = agents.data.agents.length > 0;
  for (const a of agents.data.agents) {
    const li = document.createElement("li");
    li.textContent = a.phone;
    const meta = document.createElement("div");
    meta.className = "meta";
    meta.textContent = a[field] ? "@" + a[field] : every;
    const actions = document.createElement("div");
    actions.className = "actions";
    const query = a[field] ? `?${field}=${encodeURIComponent(a[field])}` : "";
    actions.append(button(t("revoke"), "cancel danger", async () => {
      if (!window.confirm(t("confirm_revoke"))) return;
      const response = await api("DELETE", `/api/v1/agents/${encodeURIComponent(a.phone)}${query}`);
      notify(response.status === 200 ? t("revoked") : problemText(response.data), response.status === 200 ? "ok" : "bad");
      await load();
    }));
    li.append(meta, actions);
    ul.append(li);
  }
}

// An employer contact's sites and current staff (IDs masked by the API), with a button to record a leave.
async function loadStaff() {
  const sites = await api("GET", "/api/v1/sites");
  if (sites.status !== 200) return;
  $("#employer-name").textContent = sites.data.employer;
  const list = $("#sites");
  const select = $("#hire select[name=site]");
  list.replaceChildren();
  select.replaceChildren();
  for (const s of sites.data.sites) {
    const li = document.createElement("li");
    li.textContent = `${s.code}${s.alias ? " · " + s.alias : ""} (${t(s.kind)})`;
    const meta = document.createElement("div");
    meta.className = "meta";
    meta.textContent = s.address;
    li.append(meta);
    list.append(li);
    select.append(new Option(`${s.code}${s.alias ? " " + s.alias : ""}`, s.code));
  }
  await loadAgents("employer-agents", sites.data.sites);
  const staff = await api("GET", "/api/v1/staff");
  const ul = $("#staff");
  ul.replaceChildren();
  const rows = staff.status === 200 ? staff.data.staff : [];
  $("#no-staff").hidden = rows.length > 0;
  for (const d of rows) {
    ul.append(personCard(d, `@${d.site}${d.lodger ? " " + t("lodging") : ""}${d.room ? " " + t("room_short") + " " + d.room : ""} · ${d.start}`, [
      button(t("leave"), "leave", () => change("POST", `/api/v1/staff/${d.receipt}/leave`, {}, t("confirm_leave"))),
    ]));
  }
}

// A tenant's or a member of staff's card: name and masked document, where and since when, the receipt, actions.
function personCard(d, where, buttons) {
  const li = document.createElement("li");
  li.dataset.receipt = d.receipt;
  li.textContent = `${d.name || ""} ${d.document || t("none")}`;
  const meta = document.createElement("div");
  meta.className = "meta";
  meta.textContent = `${where} · ${t("receipt")} ${d.receipt}`;
  const actions = document.createElement("div");
  actions.className = "actions";
  actions.append(...buttons);
  li.append(meta, actions);
  return li;
}

// A person with a document gives its number; one without, the hukou address (and, declaring a tenant, a photo).
function documentFields(form) {
  const kind = form.querySelector("select[name=document_type]");
  kind.addEventListener("change", () => {
    const none = kind.value === "none";
    form.querySelector(".number-field").hidden = none;
    for (const field of form.querySelectorAll(".hukou-field, .photo-field")) field.hidden = !none;
  });
}

function button(label, cls, onClick) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = cls;
  b.textContent = label;
  b.addEventListener("click", onClick);
  return b;
}

async function follow(url) {
  notify(t("waiting"));
  for (let i = 0; i < 30; i++) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const status = await api("GET", url);
    if (status.status !== 200) break;
    if (status.data.status !== "received") {
      const ok = status.data.status === "processed";
      notify(status.data.result ? status.data.result.reply : "", ok ? "ok" : "bad");
      await load();
      return ok ? status.data : null;
    }
  }
  notify(t("still_waiting"));
  return null;
}

async function sendPhoto(receipt, file) {
  // The same checks as an MMS photo: decoded, stripped of metadata, kept as the person's portrait.
  const body = new FormData();
  body.append("portrait", file);
  const headers = {"Accept-Language": language, Authorization: "Bearer " + sessionStorage.getItem("token")};
  const response = await fetch(`/api/v1/declarations/${receipt}/portrait`, {method: "POST", headers, body});
  const data = await response.json().catch(() => null);
  if (response.status === 200) notify(t("photo_saved"), "ok");
  else notify(problemText(data), "bad");
}

async function change(method, path, body, question) {
  if (question && !window.confirm(question)) return;
  const response = await api(method, path, body);
  if (response.status === 202) { await follow(response.data.status_url); return; }
  notify(problemText(response.data), "bad");
}

function logOut(callApi) {
  if (callApi) api("POST", "/api/v1/logout");
  sessionStorage.removeItem("token");
  sessionStorage.removeItem("phone");
  $("#more").hidden = false;
  $("h1").dataset.t = "title";
  $("h1").textContent = t("title");
  show(false);
}

function setUp() {
  translate();
  $("#language").addEventListener("click", () => {
    language = language === "zh" ? "en" : "zh";
    sessionStorage.setItem("language", language);
    translate();
  });
  $("#code-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const phone = event.target.phone.value.trim();
    const response = await api("POST", "/api/v1/login/code", {phone});
    if (response.status === 202) {
      notify(t("code_sent"), "ok");
      $("#login-form").hidden = false;
      $("#login-form input[name=code]").focus();
    } else {
      notify(problemText(response.data), "bad");
    }
  });
  $("#login-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const response = await api("POST", "/api/v1/login", {phone: $("#code-form input[name=phone]").value.trim(),
                                                           code: event.target.code.value.trim()});
    if (response.status === 200) {
      sessionStorage.setItem("token", response.data.token);
      sessionStorage.setItem("phone", $("#code-form input[name=phone]").value.trim());
      notify("");
      show(true);
      await load();
    } else {
      notify(problemText(response.data), "bad");
    }
  });
  documentFields($("#move-in"));
  $("#move-in").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    const body = {name: form.name.value.trim(), document_type: form.document_type.value,
                  property: form.property.value};
    const optional = {document_number: form.document_type.value === "none" ? "" : form.document_number.value.trim(),
                      hukou_address: form.document_type.value === "none" ? form.hukou_address.value.trim() : "",
                      room: form.room.value.trim(), date: form.date.value, phone: form.phone.value.trim()};
    for (const [key, value] of Object.entries(optional)) if (value) body[key] = value;
    const response = await api("POST", "/api/v1/declarations", body);
    if (response.status === 202) {
      const done = await follow(response.data.status_url);
      const photo = form.document_type.value === "none" && form.photo.files[0];
      const receipt = done && done.result && done.result.outcomes.length ? done.result.outcomes[0].receipt : null;
      if (photo && receipt) await sendPhoto(receipt, photo);
      if (done) form.reset();
    } else {
      notify(problemText(response.data), "bad");
    }
  });
  documentFields($("#hire"));
  $("#hire").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    const none = form.document_type.value === "none";
    const body = {name: form.name.value.trim(), document_type: form.document_type.value, site: form.site.value,
                  lodger: form.lodger.checked};
    const optional = {document_number: none ? "" : form.document_number.value.trim(),
                      hukou_address: none ? form.hukou_address.value.trim() : "",
                      room: form.room.value.trim(), date: form.date.value, phone: form.phone.value.trim()};
    for (const [key, value] of Object.entries(optional)) if (value) body[key] = value;
    const response = await api("POST", "/api/v1/staff", body);
    if (response.status === 202) {
      if (await follow(response.data.status_url)) form.reset();
    } else {
      notify(problemText(response.data), "bad");
    }
  });
  $("#enrol-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    const body = {phone: form.phone.value.trim(), name: form.name.value.trim(), address: form.address.value.trim()};
    if (form.kind.value === "employer") {
      Object.assign(body, {kind: "employer", credit_code: form.credit_code.value.trim(), site_kind: form.site_kind.value});
      if (form.site_address.value.trim()) body.site_address = form.site_address.value.trim();
      if (form.capacity.value !== "") body.capacity = Number(form.capacity.value);
    } else {
      Object.assign(body, {document_type: form.document_type.value, document_number: form.document_number.value.trim(),
                           single_unit: form.single_unit.checked});
    }
    if (form.alias.value.trim()) body.alias = form.alias.value.trim();
    const response = await api("POST", "/api/v1/enrolments", body);
    notify(problemText(response.data), response.status === 202 ? "ok" : "bad");
    if (response.status === 202) { form.reset(); enrolKind(); }
  });
  for (const radio of document.querySelectorAll("#enrol-form input[name=kind]")) radio.addEventListener("change", enrolKind);
  for (const form of document.querySelectorAll(".agent-form")) form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const field = form.closest(".agents-section").dataset.field;
    const body = {phone: form.phone.value.trim()};
    if (form[field].value) body[field] = form[field].value;
    const response = await api("POST", "/api/v1/agents", body);
    if (response.status === 200 || response.status === 201) {
      notify(t("granted"), "ok");
      form.reset();
      await load();
    } else {
      notify(problemText(response.data), "bad");
    }
  });
  $("#logout").addEventListener("click", () => logOut(true));
  if (sessionStorage.getItem("token")) { show(true); load(); } else { show(false); }
}

document.addEventListener("DOMContentLoaded", setUp);
