// Helpline staff console: live queue and conversation (vanilla JS, no libraries).
//
// The pages are rendered by the server (bot/handoff/pages.py) and work without
// this script; it keeps them live through /api/stream (server-sent events) and
// acts through the /api routes with the session cookie and the CSRF token of
// the <meta name="csrf-token"> tag. Text from the server is always inserted
// with textContent, never as HTML.
"use strict";

(function () {
  const page = document.body.dataset.page;
  const csrfMeta = document.querySelector('meta[name="csrf-token"]');
  const csrf = csrfMeta ? csrfMeta.getAttribute("content") : "";
  const labels = readLabels();

  function readLabels() {
    const node = document.getElementById("console-labels");
    if (!node) return null;
    try {
      return JSON.parse(node.textContent);
    } catch (error) {
      return null;
    }
  }

  // ---- formatting (the same as the server's filters) ----

  function duration(seconds) {
    const total = Math.max(0, Math.floor(Number(seconds) || 0));
    const hours = Math.floor(total / 3600);
    const minutes = Math.floor((total % 3600) / 60);
    const secs = total % 60;
    const two = (n) => String(n).padStart(2, "0");
    if (hours) return hours + " h " + two(minutes) + " min";
    if (minutes) return minutes + " min " + two(secs) + " s";
    return secs + " s";
  }

  function languageLabel(code) {
    if (!code) return "not known";
    const name = labels && labels.languages[code];
    return name ? name + " (" + code + ")" : code;
  }

  function countryLabel(code) {
    if (!code) return "not given";
    const name = labels && labels.countries[code];
    return name ? name + " (" + code + ")" : code;
  }

  function label(table, code) {
    const names = (labels && labels[table]) || {};
    return names[code] || code || "not known";
  }

  function holder(item) {
    if (item.claimed_by) return "held by " + item.claimed_by;
    if (item.assigned_to) return "assigned to " + item.assigned_to;
    return "nobody yet";
  }

  function staffCell(item) {
    if (item.claimed_by) return "held by " + item.claimed_by;
    if (item.assigned_to) return "assigned to " + item.assigned_to;
    return "anyone";
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function priorityBadge(item) {
    if (!item.urgent) return element("span", "badge", "Normal");
    const badge = element("span", "badge urgent");
    badge.appendChild(element("span", null, "⚠ ")).setAttribute("aria-hidden", "true");
    badge.appendChild(document.createTextNode("Urgent"));
    return badge;
  }

  function localTimes(root) {
    root.querySelectorAll("time[data-at]").forEach((node) => {
      const at = Number(node.dataset.at);
      if (!at) return;
      const when = new Date(at * 1000);
      node.textContent =
        page === "audit"
          ? when.toLocaleString()
          : when.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
      node.title = when.toLocaleString();
    });
  }

  // ---- waiting times that tick ----

  function armTicker(node, seconds) {
    node.dataset.seconds = String(Math.floor(Number(seconds) || 0));
    node.dataset.since = String(Date.now());
    node.textContent = duration(node.dataset.seconds);
  }

  function tick() {
    const now = Date.now();
    document.querySelectorAll(".ticker").forEach((node) => {
      if (node.dataset.stopped) return;
      if (!node.dataset.since) node.dataset.since = String(now);
      const base = Number(node.dataset.seconds) || 0;
      const elapsed = (now - Number(node.dataset.since)) / 1000;
      node.textContent = duration(base + elapsed);
    });
  }

  // ---- announcements for screen readers ----

  function announce(text, urgent) {
    const region = document.getElementById(urgent ? "announce-urgent" : "announce-polite");
    if (!region) return;
    region.textContent = "";
    window.setTimeout(() => {
      region.textContent = text;
    }, 60);
  }

  // ---- the JSON API ----

  async function api(method, path, body) {
    const options = {
      method: method,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRF-Token": csrf },
    };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, options);
    } catch (error) {
      return { ok: false, status: 0, data: { error: "The console cannot be reached. Check the connection and try again." } };
    }
    let data = null;
    try {
      data = await response.json();
    } catch (error) {
      data = null;
    }
    if (response.status === 401) {
      window.location.assign("/login?next=" + encodeURIComponent(window.location.pathname));
    }
    return { ok: response.ok, status: response.status, data: data };
  }

  // ---- the live stream ----

  function setLive(on, text) {
    const status = document.getElementById("live-status");
    if (!status) return;
    status.textContent = text;
    status.classList.toggle("on", on);
    status.classList.toggle("off", !on);
  }

  function connect(handlers) {
    if (!window.EventSource) {
      setLive(false, "Live updates are not supported by this browser: reload to see changes.");
      return;
    }
    let dropped = false;
    const source = new EventSource("/api/stream");
    source.addEventListener("open", () => {
      setLive(true, "Live updates on");
      if (dropped && handlers.reconnected) handlers.reconnected();
      dropped = false;
    });
    source.addEventListener("error", () => {
      dropped = true;
      if (source.readyState === EventSource.CLOSED) {
        setLive(false, "Live updates stopped. Reload the page.");
        api("GET", "/api/me");
      } else {
        setLive(false, "Live updates interrupted: reconnecting…");
      }
    });
    ["queue", "handoff", "message"].forEach((name) => {
      source.addEventListener(name, (event) => {
        let data;
        try {
          data = JSON.parse(event.data);
        } catch (error) {
          return;
        }
        if (handlers[name]) handlers[name](data);
      });
    });
    window.addEventListener("pagehide", () => source.close());
  }

  // ---- queue page ----

  function queueOrder(a, b) {
    return (b.urgent ? 1 : 0) - (a.urgent ? 1 : 0) || (b.waiting_s || 0) - (a.waiting_s || 0) || a.id - b.id;
  }

  function rowSignature(item) {
    return JSON.stringify([item.pseudonym, item.urgent, item.status, item.language, item.country, item.channel, item.risk, item.reason, item.claimed_by, item.assigned_to]);
  }

  function fillRow(row, item) {
    const signature = rowSignature(item);
    if (row.dataset.signature === signature) {
      const ticker = row.querySelector(".ticker");
      if (ticker) armTicker(ticker, item.waiting_s);
      return;
    }
    row.dataset.signature = signature;
    row.dataset.id = String(item.id);
    row.dataset.status = item.status;
    row.className = item.urgent ? "urgent" : "";
    const cells = [];
    const priority = element("td");
    priority.appendChild(priorityBadge(item));
    cells.push(priority);
    const person = element("th");
    person.scope = "row";
    const link = element("a", null, item.pseudonym);
    link.href = "/handoffs/" + encodeURIComponent(item.id);
    person.appendChild(link);
    cells.push(person);
    const waiting = element("td", "waiting");
    const ticker = element("span", "ticker");
    if (item.status !== "waiting") ticker.dataset.stopped = "1";
    armTicker(ticker, item.waiting_s);
    waiting.appendChild(ticker);
    cells.push(waiting);
    cells.push(element("td", null, languageLabel(item.language)));
    cells.push(element("td", null, countryLabel(item.country)));
    cells.push(element("td", null, item.channel || "not given"));
    cells.push(element("td", null, label("risks", item.risk)));
    cells.push(element("td", null, label("reasons", item.reason)));
    cells.push(element("td", null, staffCell(item)));
    const focused = row.contains(document.activeElement);
    row.replaceChildren.apply(row, cells);
    if (focused) link.focus();
  }

  function initQueue() {
    const known = new Map();
    document.querySelectorAll("table.queue tbody tr").forEach((row) => {
      known.set(row.dataset.id, { status: row.dataset.status, urgent: row.classList.contains("urgent") });
    });

    function describe(item) {
      return item.pseudonym + ", " + languageLabel(item.language) + ", " + label("reasons", item.reason);
    }

    function render(items) {
      ["waiting", "active"].forEach((status) => {
        const tbody = document.querySelector("#" + status + " tbody");
        const list = items.filter((item) => item.status === status).sort(queueOrder);
        const existing = new Map(Array.from(tbody.rows, (row) => [row.dataset.id, row]));
        const wanted = new Set(list.map((item) => String(item.id)));
        existing.forEach((row, id) => {
          if (!wanted.has(id)) row.remove();
        });
        list.forEach((item, index) => {
          let row = existing.get(String(item.id));
          if (!row) {
            row = document.createElement("tr");
            if (!known.has(String(item.id))) row.classList.add("arrived");
          }
          fillRow(row, item);
          if (tbody.rows[index] !== row) tbody.insertBefore(row, tbody.rows[index] || null);
        });
        document.getElementById(status + "-count").textContent = "(" + list.length + ")";
        document.getElementById(status + "-empty").hidden = list.length > 0;
      });
      const waiting = items.filter((item) => item.status === "waiting").length;
      document.title = (waiting ? "(" + waiting + ") " : "") + "Queue · Helpline staff console";
      items.forEach((item) => {
        const before = known.get(String(item.id));
        if (!before && item.status === "waiting") {
          announce((item.urgent ? "Urgent request waiting: " : "New request waiting: ") + describe(item) + ".", item.urgent);
        } else if (before && item.urgent && !before.urgent) {
          announce(item.pseudonym + " is now urgent.", true);
        }
      });
      known.clear();
      items.forEach((item) => known.set(String(item.id), { status: item.status, urgent: item.urgent }));
    }

    connect({ queue: render });
  }

  // ---- conversation page ----

  function lineKey(sender, at, text) {
    return sender + "|" + Number(at).toFixed(3) + "|" + text;
  }

  function controls(item) {
    const me = labels ? labels.me : "";
    const supervisor = Boolean(labels && labels.supervisor);
    const open = item.status === "waiting" || item.status === "active";
    const mine = item.status === "active" && item.claimed_by === me;
    return {
      claim: item.status === "waiting",
      send: mine,
      transfer: open && (item.status === "waiting" || mine || supervisor),
      close: open && (mine || supervisor),
    };
  }

  function stateNote(item) {
    const me = labels ? labels.me : "";
    if (item.status === "waiting") return "Waiting for a staff member. Claim it to talk with the person.";
    if (item.status === "active" && item.claimed_by === me) return "";
    if (item.status === "active") return item.claimed_by + " holds this conversation.";
    return "This conversation has ended (" + label("statuses", item.status) + ").";
  }

  function initConversation() {
    const root = document.getElementById("conversation");
    const id = Number(root.dataset.id);
    const item = {
      id: id,
      status: root.dataset.status,
      claimed_by: root.dataset.claimedBy || null,
      language: root.dataset.language || null,
      country: root.dataset.country || null,
      urgent: root.dataset.urgent === "1",
    };
    const transcript = document.getElementById("transcript");
    const seen = new Set();
    const textarea = document.getElementById("message");
    const errorBanner = document.getElementById("error-banner");

    transcript.querySelectorAll("li.msg").forEach((li) => {
      const text = li.querySelector(".text");
      seen.add(lineKey(li.dataset.sender, li.dataset.at, text ? text.textContent : ""));
    });
    transcript.scrollTop = transcript.scrollHeight;

    function showError(text) {
      document.getElementById("error-text").textContent = text || "That did not work.";
      errorBanner.hidden = false;
    }

    function clearError() {
      errorBanner.hidden = true;
    }

    function senderLabel(line) {
      if (line.sender !== "staff") return label("senders", line.sender);
      if (labels && line.staff === labels.me) return "You";
      return line.staff || "Staff";
    }

    function addLine(line) {
      if (!line || line.text === undefined) return;
      const key = lineKey(line.sender, line.at, line.text);
      if (seen.has(key)) return;
      seen.add(key);
      const nearBottom = transcript.scrollHeight - transcript.scrollTop - transcript.clientHeight < 80;
      const li = element("li", "msg " + line.sender);
      li.dataset.sender = line.sender;
      li.dataset.at = String(line.at);
      const meta = element("p", "meta");
      meta.appendChild(element("span", "who", senderLabel(line)));
      meta.appendChild(document.createTextNode(" "));
      const time = element("time");
      time.dataset.at = String(line.at);
      time.dateTime = new Date(Number(line.at) * 1000).toISOString();
      meta.appendChild(time);
      if (line.delivered === false) {
        meta.appendChild(document.createTextNode(" "));
        meta.appendChild(element("span", "undelivered", "not delivered"));
      }
      li.appendChild(meta);
      li.appendChild(element("p", "text", line.text));
      localTimes(li);
      transcript.appendChild(li);
      document.getElementById("transcript-empty").hidden = true;
      if (nearBottom || line.sender === "staff") transcript.scrollTop = transcript.scrollHeight;
    }

    function apply(update) {
      if (!update || Number(update.id) !== id) return;
      const before = { status: item.status, claimed_by: item.claimed_by, urgent: item.urgent };
      Object.assign(item, update);
      root.dataset.status = item.status;
      root.dataset.claimedBy = item.claimed_by || "";
      document.getElementById("fact-status").textContent = label("statuses", item.status);
      document.getElementById("fact-staff").textContent = holder(item);
      document.getElementById("fact-risk").textContent = label("risks", item.risk);
      document.getElementById("fact-language").textContent = languageLabel(item.language);
      const priority = document.getElementById("priority");
      priority.replaceChildren(priorityBadge(item));
      const waiting = document.getElementById("fact-waiting");
      if (item.status === "waiting") {
        delete waiting.dataset.stopped;
        armTicker(waiting, item.waiting_s);
      } else {
        waiting.dataset.stopped = "1";
        if (item.waiting_s !== undefined) waiting.textContent = duration(item.waiting_s);
      }
      if (item.outcome) {
        document.getElementById("fact-outcome").textContent = outcomeLabel(item.outcome);
        document.getElementById("fact-outcome-row").hidden = false;
      }
      const can = controls(item);
      document.getElementById("claim-form").hidden = !can.claim;
      document.getElementById("send-form").hidden = !can.send;
      document.getElementById("canned").hidden = !can.send;
      document.getElementById("transfer-form").hidden = !can.transfer;
      document.getElementById("close-form").hidden = !can.close;
      const note = stateNote(item);
      document.getElementById("state-text").textContent = note;
      document.getElementById("state-banner").hidden = !note;
      if (before.status !== item.status || before.claimed_by !== item.claimed_by) {
        announce(note || "You hold this conversation now: write to the person below.", false);
      }
      if (item.urgent && before.urgent === false) announce("This conversation is now urgent.", true);
    }

    function outcomeLabel(code) {
      const option = document.querySelector('#outcome option[value="' + CSS.escape(code) + '"]');
      return option ? option.textContent : code;
    }

    async function refresh() {
      const result = await api("GET", "/api/handoffs/" + id);
      if (!result.ok || !result.data) return;
      apply(result.data);
      (result.data.transcript || []).forEach(addLine);
    }

    async function submitting(form, work) {
      const button = form.querySelector('button[type="submit"]');
      if (button.disabled) return;
      button.disabled = true;
      clearError();
      try {
        await work();
      } finally {
        button.disabled = false;
      }
    }

    document.getElementById("claim-form").addEventListener("submit", (event) => {
      event.preventDefault();
      submitting(event.target, async () => {
        const result = await api("POST", "/api/handoffs/" + id + "/claim", {});
        if (!result.ok) return showError(result.data && result.data.error);
        apply(result.data);
        textarea.focus();
      });
    });

    const sendForm = document.getElementById("send-form");
    sendForm.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = textarea.value.trim();
      if (!text) {
        showError("Write a message first.");
        textarea.focus();
        return;
      }
      submitting(sendForm, async () => {
        const result = await api("POST", "/api/handoffs/" + id + "/messages", { text: text });
        if (!result.ok) {
          showError(result.data && result.data.error);
          return;
        }
        addLine(result.data);
        textarea.value = "";
        textarea.focus();
      });
    });

    textarea.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        sendForm.requestSubmit();
      }
    });

    document.getElementById("transfer-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const form = event.target;
      const to = form.elements.to.value || null;
      const language = form.elements.language.value;
      const body = { to: to };
      if (language) body.language = language;
      submitting(form, async () => {
        const result = await api("POST", "/api/handoffs/" + id + "/transfer", body);
        if (!result.ok) return showError(result.data && result.data.error);
        apply(result.data);
        announce("Transferred" + (to ? " to " + to : "") + ".", false);
      });
    });

    document.getElementById("close-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const form = event.target;
      const outcome = form.elements.outcome.value;
      if (!outcome) {
        showError("Choose an outcome to close.");
        form.elements.outcome.focus();
        return;
      }
      submitting(form, async () => {
        const result = await api("POST", "/api/handoffs/" + id + "/close", { outcome: outcome });
        if (!result.ok) {
          showError(result.data && result.data.error);
          if (result.status === 502) refresh();
          return;
        }
        apply(result.data);
        document.getElementById("state-banner").focus();
      });
    });

    const cannedList = document.getElementById("canned-list");
    cannedList.addEventListener("click", (event) => {
      const button = event.target.closest("button.insert");
      if (!button) return;
      const text = button.dataset.text || "";
      textarea.value = textarea.value.trim() ? textarea.value.replace(/\s+$/, "") + "\n\n" + text : text;
      textarea.focus();
      textarea.setSelectionRange(textarea.value.length, textarea.value.length);
      announce("Inserted in the message box. Check it, then send.", false);
    });

    document.getElementById("canned-language").addEventListener("change", async (event) => {
      const params = new URLSearchParams({ language: event.target.value });
      if (item.country) params.set("country", item.country);
      const result = await api("GET", "/api/canned?" + params.toString());
      if (!result.ok || !result.data) return showError(result.data && result.data.error);
      const items = result.data.replies.map((reply) => {
        const li = element("li");
        const details = element("details");
        details.appendChild(element("summary", null, reply.title));
        const text = element("p", "canned-text", reply.text);
        text.lang = reply.language;
        details.appendChild(text);
        details.appendChild(element("p", "meta", languageLabel(reply.language) + " · " + reply.review));
        details.appendChild(element("p", "meta", "Source: " + reply.source));
        li.appendChild(details);
        const button = element("button", "insert", "Insert");
        button.type = "button";
        button.dataset.text = reply.text;
        button.setAttribute("aria-label", "Insert: " + reply.title);
        li.appendChild(button);
        return li;
      });
      cannedList.replaceChildren.apply(cannedList, items);
      announce(items.length + " canned replies in " + languageLabel(event.target.value) + ".", false);
    });

    connect({
      handoff: apply,
      queue: (items) => {
        const mine = items.find((entry) => Number(entry.id) === id);
        if (mine) apply(mine);
      },
      message: (line) => {
        if (Number(line.handoff_id) === id) addLine(line);
      },
      reconnected: refresh,
    });
  }

  // ---- start ----

  function start() {
    localTimes(document);
    if (page === "queue" || page === "conversation") window.setInterval(tick, 1000);
    if (page === "queue") initQueue();
    if (page === "conversation") initConversation();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
