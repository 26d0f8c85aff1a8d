// The sandbox page: swaps in server-rendered regions as the emulators change, and sends what the person does.
"use strict";

const page = document.body.dataset;
const shown = {};

function toast(text, bad) {
  const box = document.getElementById("toast");
  box.textContent = text;
  box.className = bad ? "show bad" : "show";
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { box.className = ""; }, 6000);
}

async function send(path, body) {
  try {
    const response = await fetch(path, {
      method: "POST", headers: {"Content-Type": "application/json"},
      body: JSON.stringify(Object.assign({as: page.person}, body)),
    });
    const answer = await response.json();
    if (!answer.ok && answer.error) toast(answer.error, true);
    refresh();
    return answer;
  } catch (error) {
    toast("The sandbox is not answering (" + error + ")", true);
    return {ok: false};
  }
}

function localTimes(root) {
  root.querySelectorAll("time[data-epoch]").forEach((el) => {
    const when = new Date(Number(el.dataset.epoch) * 1000);
    const hour = when.toLocaleTimeString([], {hour: "2-digit", minute: "2-digit"});
    const today = when.toDateString() === new Date().toDateString();
    el.textContent = today ? hour : when.toLocaleDateString([], {month: "short", day: "numeric"}) + ", " + hour;
    el.title = when.toLocaleString();
  });
}

function atBottom(el) {
  return !el || el.scrollHeight - el.scrollTop - el.clientHeight < 40;
}

function swap(name, html) {
  const region = document.querySelector('[data-region="' + name + '"]');
  const list = region.querySelector(".messages");
  const stick = atBottom(list);
  region.innerHTML = html;
  localTimes(region);
  const fresh = region.querySelector(".messages");
  if (fresh && stick) fresh.scrollTop = fresh.scrollHeight;
  if (name === "thread") region.classList.toggle("closed", !html);
  if (name === "modal") fillExternalSelects(region);
}

async function refresh() {
  const query = new URLSearchParams({as: page.person, c: page.channel, thread: page.thread, home: page.home});
  try {
    const response = await fetch("/ui/regions?" + query.toString());
    const regions = await response.json();
    for (const name of Object.keys(regions)) {
      if (shown[name] !== regions[name]) {
        shown[name] = regions[name];
        swap(name, regions[name]);
      }
    }
    document.body.classList.remove("offline");
  } catch (error) {
    document.body.classList.add("offline");
  }
}

function containerOf(el) {
  const box = el.closest("[data-container]");
  return box ? JSON.parse(box.dataset.container) : {};
}

function ask(confirm) {
  const dialog = document.getElementById("confirm");
  document.getElementById("confirm-title").innerHTML = confirm.title;
  document.getElementById("confirm-text").innerHTML = confirm.text;
  document.getElementById("confirm-ok").innerHTML = confirm.confirm;
  document.getElementById("confirm-ok").className = "btn " + (confirm.style === "danger" ? "danger" : "primary");
  document.getElementById("confirm-deny").innerHTML = confirm.deny;
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), {once: true});
    dialog.showModal();
  });
}

function inputValue(el) {
  const kind = el.dataset.kind;
  if (kind === "checkboxes") {
    return Array.from(el.querySelectorAll("input:checked")).map((box) => box.value);
  }
  if (kind === "radio_buttons") {
    const picked = el.querySelector("input:checked");
    return picked ? picked.value : null;
  }
  if (kind === "external_select") {
    const option = el.selectedOptions[0];
    return {selected_option: el.value ? {text: {type: "plain_text", text: option.textContent}, value: el.value} : null};
  }
  if (el.tagName === "SELECT" || kind === "datepicker" || kind === "timepicker") return el.value || null;
  return el.value;
}

function modalValues(form) {
  const values = {};
  form.querySelectorAll("[data-input]").forEach((el) => {
    if (el.dataset.kind === "file_input") return;
    (values[el.dataset.block] = values[el.dataset.block] || {})[el.dataset.actionId] = inputValue(el);
  });
  return values;
}

function readFile(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).split(",", 2)[1] || "");
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

async function modalUploads(form) {
  const uploads = [];
  for (const el of form.querySelectorAll('[data-kind="file_input"]')) {
    for (const file of el.files) {
      uploads.push({block_id: el.dataset.block, action_id: el.dataset.actionId, name: file.name,
                    data: await readFile(file)});
    }
  }
  return uploads;
}

async function fillExternalSelects(root) {
  for (const el of root.querySelectorAll("select[data-external]")) {
    const where = containerOf(el);
    const answer = await fetch("/ui/suggest", {
      method: "POST", headers: {"Content-Type": "application/json"},
      body: JSON.stringify({as: page.person, view_id: where.view_id, action_id: el.dataset.actionId,
                            block_id: el.dataset.block, value: ""}),
    }).then((r) => r.json()).catch(() => ({}));
    const chosen = el.value;
    for (const option of answer.options || []) {
      if (Array.from(el.options).some((o) => o.value === option.value)) continue;
      const item = document.createElement("option");
      item.value = option.value;
      item.textContent = option.text;
      el.appendChild(item);
    }
    el.value = chosen;
  }
}

async function act(el, value) {
  const spec = JSON.parse(el.dataset.act);
  if (el.dataset.confirm && !(await ask(JSON.parse(el.dataset.confirm)))) return;
  const body = Object.assign(containerOf(el), {action_id: spec.action_id, block_id: spec.block_id});
  const chosen = value !== undefined ? value : spec.value;
  if (chosen !== undefined && chosen !== null) body.value = chosen;
  const form = el.closest("form[data-modal]");
  if (form) body.values = modalValues(form);
  if (el.dataset.url) window.open(el.dataset.url, "_blank", "noopener");
  await send("/ui/click", body);
}

document.addEventListener("click", (event) => {
  const el = event.target.closest("[data-act], [data-close], [data-reply], [data-comment-on]");
  if (!el || el.matches("select, input")) return;
  event.preventDefault();
  if (el.dataset.act) {
    const menu = el.closest("details");
    if (menu) menu.open = false;
    act(el);
  } else if (el.dataset.close) {
    send("/ui/close", {view_id: el.closest("form").dataset.view});
  } else if (el.dataset.reply) {
    target(el.dataset.media, el.dataset.reply, "Replying to @" + el.dataset.who);
  } else {
    target(el.dataset.commentOn, "", "Commenting on “" + el.dataset.caption + "…”");
  }
});

document.addEventListener("change", (event) => {
  const el = event.target;
  if (el.dataset.change) act(el, el.value);
  const input = el.closest("[data-dispatch]");
  if (input) {
    const body = Object.assign(containerOf(input), {action_id: input.dataset.actionId, block_id: input.dataset.block,
                                                    values: modalValues(input.closest("form"))});
    const value = inputValue(input);
    if (typeof value === "string") body.value = value;
    else if (value && value.selected_option) body.value = value.selected_option.value;
    send("/ui/click", body);
  }
});

document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (!form.dataset.modal) return;
  event.preventDefault();
  send("/ui/submit", {view_id: form.dataset.view, values: modalValues(form), uploads: await modalUploads(form)});
});

function target(mediaId, parentId, label, quiet) {
  document.getElementById("media_id").value = mediaId;
  document.getElementById("parent_id").value = parentId;
  document.getElementById("ig-target").textContent = label;
  if (!quiet) document.getElementById("ig-text").focus();
}

document.getElementById("composer").addEventListener("submit", async (event) => {
  event.preventDefault();
  const box = document.getElementById("command");
  const text = box.value.trim();
  if (!text) return;
  const answer = await send("/ui/slash", {channel: page.channel, text: text});
  if (answer.ok) box.value = "";
});

document.getElementById("follower").addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = document.getElementById("ig-text");
  const mediaId = document.getElementById("media_id").value;
  if (!mediaId) { toast("Pick a post first: Comment under a post, or Reply under a comment", true); return; }
  const answer = await send("/ui/comment", {media_id: mediaId, parent_id: document.getElementById("parent_id").value,
                                            username: document.getElementById("username").value, text: text.value});
  if (answer.ok) { text.value = ""; toast("Commented on Instagram; igbot gets the webhook"); }
});

document.getElementById("mention").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const text = document.getElementById("m-text");
  const answer = await send("/ui/mention", {account: form.dataset.account, text: text.value,
                                            username: document.getElementById("m-username").value});
  if (answer.ok) { text.value = ""; toast("Mentioned on Instagram; igbot gets the webhook"); }
});

document.getElementById("person").addEventListener("change", (event) => {
  const query = new URLSearchParams({as: event.target.value, c: page.channel});
  if (page.home) query.set("home", "1");
  window.location.search = query.toString();
});

(function start() {
  document.querySelectorAll("[data-region]").forEach((region) => localTimes(region));
  const list = document.querySelector("#main .messages");
  if (list) list.scrollTop = list.scrollHeight;
  if (page.home) {
    document.getElementById("command").disabled = true;
    document.getElementById("command").placeholder = "Open a channel to type a command";
    send("/ui/home", {});
  }
  const first = document.querySelector("[data-comment-on]");
  if (first) target(first.dataset.commentOn, "", "Commenting on “" + first.dataset.caption + "…”", true);
  refresh();
  setInterval(refresh, 800);
})();
