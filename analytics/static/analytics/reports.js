/* The period report's charts, drawn with Chart.js from the figures of #report-data; the
   tables beside them hold the same numbers. Words come from #report-words (the page's
   language), money is written in the restaurant's currency with the browser's Intl. */
(function () {
  "use strict";

  // Okabe–Ito: told apart by every colour vision.
  var BLUE = "#0072B2", ORANGE = "#E69F00", GREEN = "#009E73", VERMILION = "#D55E00",
      SKY = "#56B4E9", PURPLE = "#CC79A7", YELLOW = "#F0E442", GREY = "#999999";
  var PALETTE = [BLUE, ORANGE, GREEN, VERMILION, SKY, PURPLE, YELLOW, GREY];

  function start() {
    var source = document.getElementById("report-data");
    var words = document.getElementById("report-words");
    if (!source || !words || typeof Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    var w = words.dataset;
    var locale = w.locale || document.documentElement.lang || undefined;
    var moneyFormat = new Intl.NumberFormat(locale, { style: "currency", currency: w.currency || "USD" });
    var dayFormat = new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
      day: "numeric", month: "short", timeZone: "UTC"
    });
    function dayLabel(iso) { return dayFormat.format(new Date(iso + "T00:00:00Z")); }
    function money(value) { return moneyFormat.format(value); }

    // Figures to read, print and compare with the table beside: drawn at once, not grown.
    Chart.defaults.animation = false;
    Chart.defaults.maintainAspectRatio = false;
    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    var textColour = getComputedStyle(document.body).color;
    Chart.defaults.color = textColour;

    function line(id, label, previousLabel, now, before, isMoney) {
      var canvas = document.getElementById(id);
      if (!canvas) return;
      new Chart(canvas, {
        type: "line",
        data: {
          labels: data.days.map(dayLabel),
          datasets: [
            { label: label, data: now, borderColor: BLUE, backgroundColor: BLUE, tension: 0.2 },
            { label: previousLabel, data: before, borderColor: ORANGE, backgroundColor: ORANGE,
              borderDash: [6, 4], tension: 0.2 }
          ]
        },
        options: {
          interaction: { mode: "index", intersect: false },
          scales: { y: { beginAtZero: true, ticks: isMoney ? { callback: money } : {} } },
          plugins: {
            tooltip: {
              callbacks: {
                title: function (items) {
                  var index = items[0].dataIndex;
                  return dayLabel(data.days[index]) + " / " + dayLabel(data.previous_days[index]);
                },
                label: function (item) {
                  return item.dataset.label + ": " + (isMoney ? money(item.parsed.y) : item.parsed.y);
                }
              }
            }
          }
        }
      });
    }

    function bars(id, series, label, colour, isMoney) {
      var canvas = document.getElementById(id);
      if (!canvas) return;
      new Chart(canvas, {
        type: "bar",
        data: {
          labels: series.labels,
          datasets: [{ label: label, data: series.values, backgroundColor: colour }]
        },
        options: {
          indexAxis: series.labels.length > 6 ? "y" : "x",
          scales: {
            x: { beginAtZero: true, ticks: isMoney && series.labels.length > 6 ? { callback: money } : {} },
            y: { beginAtZero: true, ticks: isMoney && series.labels.length <= 6 ? { callback: money } : {} }
          },
          plugins: {
            legend: { display: false },
            tooltip: {
              callbacks: {
                label: function (item) {
                  var value = series.labels.length > 6 ? item.parsed.x : item.parsed.y;
                  return label + ": " + (isMoney ? money(value) : value);
                }
              }
            }
          }
        }
      });
    }

    line("chart-covers", w.covers, w.previousCovers, data.covers, data.previous_covers, false);
    line("chart-revenue", w.revenue, w.previousRevenue, data.revenue, data.previous_revenue, true);
    bars("chart-tables", data.tables, w.reservations, BLUE, false);
    bars("chart-dishes", data.dishes, w.revenue, GREEN, true);
    bars("chart-sources", data.sources, w.reservations, PALETTE.slice(0, data.sources.labels.length), false);
    bars("chart-turns", data.turns, w.minutes, VERMILION, false);
    document.body.dataset.chartsDrawn = "true";
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
