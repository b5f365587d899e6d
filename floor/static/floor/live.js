// The live floor: draws the state the staff socket sends, applies its events, and
// reconnects by itself (the server sends the whole state again on every connect).
(function () {
  "use strict";
  const root = document.getElementById("live-floor");
  if (!root) return;
  const labels = JSON.parse(document.getElementById("live-labels").textContent);
  const text = labels.text;
  const canChange = root.dataset.canChange === "true";
  const csrfToken = root.querySelector("[name=csrfmiddlewaretoken]").value;
  const dayInput = document.getElementById("timeline-day");
  const dialog = document.getElementById("actions");
  const state = {
    today: null, timezone: undefined, tables: new Map(), bookings: new Map(), alerts: new Map(),
    chats: new Map(), metrics: {}, forecast: null, timelineDay: null, timeline: new Map(),
  };
  let socket = null;
  let attempts = 0;

  function element(tag, attributes = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (name === "dataset") Object.assign(node.dataset, value);
      else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value);
    }
    node.append(...children.filter((child) => child !== null && child !== undefined));
    return node;
  }

  // --- Socket ---------------------------------------------------------------------------
  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${location.host}${root.dataset.socketPath}`);
    socket.addEventListener("open", () => { attempts = 0; showConnection(true); });
    socket.addEventListener("message", (message) => handle(JSON.parse(message.data)));
    socket.addEventListener("close", () => {
      showConnection(false);
      setTimeout(connect, Math.min(10000, 500 * 2 ** attempts++));
    });
  }

  function showConnection(online) {
    const badge = document.getElementById("connection");
    badge.className = online ? "online" : "offline";
    badge.textContent = online ? text.connected : text.reconnecting;
  }

  function handle(event) {
    switch (event.type) {
      case "initial_state":
        state.today = event.day;
        state.timezone = event.timezone;
        state.tables = new Map(event.tables.map((table) => [table.id, table]));
        state.bookings = new Map(event.reservations.map((booking) => [booking.id, booking]));
        state.alerts = new Map(event.alerts.map((alert) => [alert.id, alert]));
        state.metrics = event.metrics;
        state.forecast = event.forecast;
        // Absent for staff who may not read the customers' chats.
        state.chats = new Map((event.conversations || []).map((chat) => [chat.id, chat]));
        if (!state.timelineDay) { state.timelineDay = event.day; dayInput.value = event.day; }
        if (state.timelineDay === state.today) state.timeline = state.bookings;
        else requestDay(state.timelineDay);
        drawAll();
        break;
      case "day":
        if (event.day === state.timelineDay) {
          state.timeline = new Map(event.reservations.map((booking) => [booking.id, booking]));
          drawTimeline();
        }
        break;
      case "table_status_changed":
        state.tables.set(event.table.id, event.table);
        countTables();
        drawMetrics();
        drawFloor();
        drawTimeline();
        break;
      case "reservation_created":
      case "reservation_updated":
        placeBooking(event.reservation);
        drawFloor();
        drawTimeline();
        break;
      case "alert_triggered":
      case "alert_acknowledged":
        state.alerts.set(event.alert.id, event.alert);
        drawAlerts();
        break;
      case "alert_resolved":
        state.alerts.delete(event.alert.id);
        drawAlerts();
        break;
      case "conversation_waiting":
        state.chats.set(event.conversation.id, event.conversation);
        drawChats();
        break;
      case "conversation_closed":
        state.chats.delete(event.conversation.id);
        drawChats();
        break;
      case "metrics_updated":
        Object.assign(state.metrics, event.metrics);
        drawMetrics();
        break;
      case "forecast_updated":
        state.forecast = event.forecast;
        drawForecast();
        break;
    }
  }

  function placeBooking(booking) {
    for (const [map, day] of [[state.bookings, state.today], [state.timeline, state.timelineDay]]) {
      map.delete(booking.id);
      if (booking.day === day && booking.status !== "cancelled") map.set(booking.id, booking);
    }
  }

  function requestDay(day) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "day", day }));
  }

  function countTables() {
    const counts = { total: 0, occupied: 0, reserved: 0, free: 0, maintenance: 0 };
    for (const table of state.tables.values()) {
      counts.total += 1;
      counts[table.status === "available" ? "free" : table.status] += 1;
    }
    const inService = counts.total - counts.maintenance;
    counts.occupancy_rate = inService ? Math.round((1000 * counts.occupied) / inService) / 10 : 0;
    Object.assign(state.metrics, counts);
  }

  // --- Drawing --------------------------------------------------------------------------
  function drawAll() { drawMetrics(); drawForecast(); drawChats(); drawAlerts(); drawFloor(); drawTimeline(); }

  // Tonight's forecast: today's line ("%(name)s" filled in, as the server words it) and the
  // guests expected to arrive in the coming hours.
  function drawForecast() {
    const forecast = state.forecast;
    const lines = text.forecast;
    const line = !forecast ? lines.none : forecast.closed ? lines.closed
      : lines.day.replace(/%\((\w+)\)s/g, (_match, name) => String(forecast[name] ?? ""));
    document.getElementById("forecast-day").textContent = line;
    document.getElementById("forecast-hours").replaceChildren(...(forecast && !forecast.closed ? forecast.hours : [])
      .map((hour) => element("li", {}, element("strong", {}, hour.hour), ` ${hour.expected} `,
        element("small", {}, `(${hour.low}–${hour.high})`))));
  }

  function drawMetrics() {
    const metrics = state.metrics;
    document.getElementById("metrics").textContent =
      `${text.occupied}: ${metrics.occupied ?? 0} · ${text.reserved}: ${metrics.reserved ?? 0} · ` +
      `${text.free_tables}: ${metrics.free ?? 0} · ${text.occupancy}: ${metrics.occupancy_rate ?? 0} %` +
      (metrics.last_hour ? ` · ${text.last_hour}: ${metrics.last_hour_occupancy_rate} %` : "");
  }

  function drawAlerts() {
    const list = document.getElementById("alerts");
    const alerts = [...state.alerts.values()];
    list.replaceChildren(...(alerts.length ? alerts.map((alert) => element("li",
      { class: `severity-${alert.severity}`, dataset: { alertId: alert.id } },
      `${alert.message}${alert.subject ? ` (${alert.subject})` : ""} `,
      ...(canChange ? [
        alert.status === "open" ? element("button", { type: "button", onclick: () => act("alert", alert.id, "acknowledge") }, labels.actions.acknowledge) : null,
        element("button", { type: "button", onclick: () => act("alert", alert.id, "resolve") }, labels.actions.resolve),
      ] : []),
    )) : [element("li", {}, text.no_alerts)]));
  }

  // The restaurant's wall clock, as the bookings' times are.
  function clock(isoTime) {
    return new Date(isoTime).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", timeZone: state.timezone });
  }

  function drawChats() {
    const list = document.getElementById("chats");
    if (!list) return;
    const chats = [...state.chats.values()]
      .sort((first, second) => (first.waiting_since || "").localeCompare(second.waiting_since || ""));
    document.getElementById("chats-count").textContent = chats.length ? `(${chats.length})` : "";
    list.replaceChildren(...(chats.length ? chats.map((chat) => element("li",
      { dataset: { conversationId: chat.id } },
      element("a", { href: `${labels.inbox_url}${chat.id}/change/`, title: text.open_chat },
        chat.name || chat.phone),
      ` · ${labels.handoff_reason[chat.reason] || ""}`,
      chat.waiting_since ? " · " : null,
      chat.waiting_since ? element("span", {}, `${text.waiting_since} `,
        element("time", { datetime: chat.waiting_since }, clock(chat.waiting_since))) : null,
      chat.last_message ? element("blockquote", {},
        element("span", { class: "author" }, `${labels.author[chat.last_from] || ""}: `), chat.last_message) : null,
    )) : [element("li", {}, text.no_chats)]));
  }

  function bookingsOf(tableId) {
    return [...state.bookings.values()].filter((booking) => booking.table_id === tableId)
      .sort((first, second) => first.starts_at.localeCompare(second.starts_at));
  }

  function currentAndNext(tableId) {
    const bookings = bookingsOf(tableId);
    return {
      current: bookings.find((booking) => booking.status === "seated"),
      // The next party still to come: a booking whose time is over is not "next" any more.
      next: bookings.find((booking) => (booking.status === "confirmed" || booking.status === "pending")
        && Date.parse(booking.ends_at) > Date.now()),
    };
  }

  function describe(booking) {
    return `${booking.time} ${booking.customer} (${booking.party_size} ${text.people})`;
  }

  function drawFloor() {
    const floor = document.getElementById("floor");
    const areas = Object.entries(labels.areas).map(([area, name]) => {
      const tables = [...state.tables.values()].filter((table) => table.area === area);
      if (!tables.length) return null;
      return element("div", { class: "area" }, element("h3", {}, name), element("div", { class: "tables" },
        ...tables.map((table) => {
          const { current, next } = currentAndNext(table.id);
          return element("button", {
            type: "button", class: `table status-${table.status}`,
            dataset: { tableId: table.id, status: table.status, code: table.code },
            onclick: () => openTable(table),
          },
          element("strong", {}, table.code),
          element("small", {}, `${labels.table_status[table.status]} · ${table.min_capacity}–${table.max_capacity}`),
          current ? element("small", {}, `${text.now}: ${describe(current)}`) : null,
          next ? element("small", {}, `${text.next}: ${describe(next)}`) : null);
        })));
    });
    floor.replaceChildren(...areas.filter(Boolean));
  }

  function drawTimeline() {
    const timeline = document.getElementById("timeline");
    const bookings = [...state.timeline.values()];
    const minutesOf = (booking) => {
      const [hours, minutes] = booking.time.split(":").map(Number);
      return hours * 60 + minutes;
    };
    let first = 12 * 60;
    let last = 24 * 60;
    for (const booking of bookings) {
      first = Math.min(first, Math.floor(minutesOf(booking) / 60) * 60);
      last = Math.max(last, Math.ceil((minutesOf(booking) + booking.minutes) / 60) * 60);
    }
    const span = last - first;
    const hours = [];
    for (let minute = first; minute < last; minute += 60) hours.push(element("span", {}, `${String((minute / 60) % 24).padStart(2, "0")}:00`));
    const rows = [...state.tables.values()].map((table) => element("div", { class: "row" },
      element("span", { class: "code" }, table.code),
      element("div", { class: "lane" }, ...bookings.filter((booking) => booking.table_id === table.id).map((booking) =>
        element("button", {
          type: "button", class: `booking status-${booking.status}`,
          style: `left:${(100 * (minutesOf(booking) - first)) / span}%;width:${(100 * booking.minutes) / span}%`,
          title: `${describe(booking)} · ${labels.reservation_status[booking.status]}`,
          dataset: { reservationId: booking.id },
          onclick: () => openBooking(booking),
        }, describe(booking))))));
    timeline.replaceChildren(element("div", { class: "hours" }, ...hours), ...rows);
    if (!bookings.length) timeline.append(element("p", {}, text.no_bookings));
  }

  // --- Actions --------------------------------------------------------------------------
  function openDialog(title, detail, buttons) {
    document.getElementById("actions-title").textContent = title;
    document.getElementById("actions-detail").textContent = detail;
    document.getElementById("actions-error").hidden = true;
    document.getElementById("actions-buttons").replaceChildren(...buttons,
      element("button", { type: "button", onclick: () => dialog.close() }, text.close));
    if (!dialog.open) dialog.showModal();
  }

  function moveButtons(booking) {
    if (!canChange) return [];
    return (labels.transitions[booking.status] || []).map((to) => element("button",
      { type: "button", class: "default",
        onclick: () => (to === "cancelled" ? confirmCancel(booking) : act("reservation", booking.id, to)) },
      `${labels.actions[to]} ${booking.time}`));
  }

  // Cancelling tells the customer and frees the table: a second, explicit step.
  function confirmCancel(booking) {
    openDialog(`${booking.reference} · ${labels.reservation_status[booking.status]}`,
      `${text.cancel_question} ${describe(booking)}`,
      [element("button", { type: "button", class: "danger", onclick: () => act("reservation", booking.id, "cancelled") }, text.cancel_yes)]);
  }

  function openTable(table) {
    const { current, next } = currentAndNext(table.id);
    const buttons = [...(current ? moveButtons(current) : []), ...(next ? moveButtons(next) : [])];
    if (canChange && !current && table.status !== "available") {
      buttons.push(element("button", { type: "button", onclick: () => act("table", table.id, "available") }, labels.actions.available));
    }
    if (canChange && table.status === "available") {
      buttons.push(element("button", { type: "button", onclick: () => act("table", table.id, "maintenance") }, labels.actions.maintenance));
    }
    const detail = [current && `${text.now}: ${describe(current)}`, next && `${text.next}: ${describe(next)}`].filter(Boolean).join(" · ");
    openDialog(`${table.code} · ${labels.table_status[table.status]}`, detail, buttons);
  }

  function openBooking(booking) {
    openDialog(`${booking.reference} · ${labels.reservation_status[booking.status]}`, describe(booking), moveButtons(booking));
  }

  async function act(kind, id, to) {
    const response = await fetch(root.dataset.actionUrl, {
      method: "POST",
      headers: { "X-CSRFToken": csrfToken },
      body: new URLSearchParams({ kind, id, to }),
    });
    if (response.ok) { if (dialog.open) dialog.close(); return; }
    let message = response.statusText;
    try { message = (await response.json()).error || message; } catch (error) { /* not JSON */ }
    const box = document.getElementById("actions-error");
    box.textContent = message;
    box.hidden = false;
    if (!dialog.open) dialog.showModal();
  }

  dayInput.addEventListener("change", () => {
    if (!dayInput.value) return;
    state.timelineDay = dayInput.value;
    if (state.timelineDay === state.today) { state.timeline = state.bookings; drawTimeline(); }
    else { state.timeline = new Map(); drawTimeline(); requestDay(state.timelineDay); }
  });

  connect();
})();
