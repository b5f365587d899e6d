// The admin's home: reads its panel again when the floor's data changes (the staff socket's
// events) or, for what has no event (the till), every few minutes; draws the covers chart.
(function () {
  "use strict";
  const charts = new Map();

  // A chart of ``{labels, series: [{label, data, line?}]}`` from a json_script, on its canvas;
  // the page's table beside it says the same for those who cannot see it.
  function drawChart(canvasId, dataId, { stacked = false } = {}) {
    const data = document.getElementById(dataId);
    const canvas = document.getElementById(canvasId);
    if (charts.has(canvasId)) { charts.get(canvasId).destroy(); charts.delete(canvasId); }
    if (!data || !canvas || typeof window.Chart === "undefined") return false;
    const figures = JSON.parse(data.textContent);
    if (!figures.labels.length) return false;
    const styles = getComputedStyle(document.documentElement);
    const colours = [
      styles.getPropertyValue("--primary").trim() || "#79aec8",
      styles.getPropertyValue("--secondary").trim() || "#417690",
      styles.getPropertyValue("--body-quiet-color").trim() || "#666",
    ];
    canvas.hidden = false;
    charts.set(canvasId, new window.Chart(canvas, {
      data: {
        labels: figures.labels,
        datasets: figures.series.map((series, index) => ({
          type: series.line ? "line" : "bar",
          label: series.label,
          data: series.data,
          backgroundColor: colours[index % colours.length],
          borderColor: colours[index % colours.length],
          spanGaps: true,
          order: series.line ? 0 : 1,
        })),
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        scales: {
          x: { stacked },
          y: { stacked, beginAtZero: true, ticks: { precision: 0 } },
        },
      },
    }));
    return true;
  }

  // The assistant's figures page: its chart only.
  drawChart("figures-chart", "figures-data", { stacked: true });

  const panel = document.getElementById("home-panel");
  if (!panel || !panel.dataset.panelUrl) return;
  // The floor's events that change something the home shows; the chats' are not among them.
  const RELEVANT = new Set([
    "reservation_created", "reservation_updated", "table_status_changed",
    "alert_triggered", "alert_acknowledged", "alert_resolved", "metrics_updated",
  ]);
  const CLOSE_FORBIDDEN = 4403;
  const DEBOUNCE_MS = 1500;
  let timer = null;
  let fetching = false;
  let again = false;

  function drawHomeChart() {
    panel.classList.toggle("home-charted", drawChart("home-covers-chart", "home-covers-data"));
  }

  async function refresh() {
    if (fetching) { again = true; return; }
    fetching = true;
    try {
      const response = await fetch(panel.dataset.panelUrl, {
        credentials: "same-origin", headers: { Accept: "text/html" }, cache: "no-store",
      });
      // Logged out or no longer allowed: the page as it is until the next full load.
      if (!response.ok || response.redirected) return;
      const holder = document.createElement("template");
      holder.innerHTML = await response.text();
      const fresh = holder.content.getElementById("home-panel");
      if (fresh) {
        panel.replaceChildren(...fresh.childNodes);
        drawHomeChart();
      }
    } catch (error) {
      // Offline for a moment: the next event or the next poll tries again.
    } finally {
      fetching = false;
      if (again) { again = false; schedule(); }
    }
  }

  // One read for a burst of events, and at least one every DEBOUNCE_MS while they go on.
  function schedule() {
    if (timer) return;
    timer = setTimeout(() => { timer = null; refresh(); }, DEBOUNCE_MS);
  }

  function listen(path) {
    let attempts = 0;
    function connect() {
      const scheme = location.protocol === "https:" ? "wss" : "ws";
      const socket = new WebSocket(`${scheme}://${location.host}${path}`);
      socket.addEventListener("open", () => { attempts = 0; });
      socket.addEventListener("message", (message) => {
        let event;
        try { event = JSON.parse(message.data); } catch (error) { return; }
        // A state follows a (re)connection: events may have been missed meanwhile.
        if (event.type === "initial_state" || RELEVANT.has(event.type)) schedule();
      });
      socket.addEventListener("close", (closed) => {
        if (closed.code === CLOSE_FORBIDDEN) return;
        setTimeout(connect, Math.min(30000, 1000 * 2 ** attempts++));
      });
    }
    connect();
  }

  drawHomeChart();
  if (panel.dataset.socketPath) listen(panel.dataset.socketPath);
  const seconds = Number(panel.dataset.pollSeconds) || 0;
  if (seconds) {
    setInterval(() => { if (document.visibilityState === "visible") refresh(); }, seconds * 1000);
  }
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") schedule();
  });
})();
