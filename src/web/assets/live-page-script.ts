/**
 * The live page's browser script, served as `assets/live-page.js`: plain ES2017 for any current
 * browser, no build step. It polls `api/snapshot`, draws the four panels with uPlot (loaded
 * before it) and fills the tables.
 *
 * Every value that comes from the snapshot is set with `textContent` or handed to uPlot, which
 * sets legend labels with `textContent` too: no data ever reaches `innerHTML`, so a label such as
 * `<script>` shows as text. Kept as a string (not a file next to this one) so that the bundled
 * `dist/` build serves it without copying assets.
 */
export const LIVE_PAGE_SCRIPT = `"use strict";
(function () {
  var PALETTE = ["#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2", "#db2777", "#4b5563"];
  var SIGNALS = ["latency", "errors", "traffic", "saturation"];
  var STATUS_CLASSES = ["inactive", "pending", "firing", "resolved"];
  var CHART_HEIGHT = 200;
  var charts = {};
  var refreshMs = 2000;
  var updates = 0;

  function byId(id) { return document.getElementById(id); }
  function part(root, role) { return root.querySelector("[data-role=" + role + "]"); }

  function finite(v) { return typeof v === "number" && isFinite(v); }

  function fmt(unit, v) {
    if (!finite(v)) return "\\u2013";
    if (unit === "s") return v < 1 ? Number((v * 1000).toPrecision(3)) + " ms" : Number(v.toPrecision(3)) + " s";
    if (unit === "ratio") return Number((v * 100).toPrecision(3)) + " %";
    return compact(v) + (unit === "tokens/s" ? " tok/s" : " /s");
  }

  function compact(v) {
    if (v >= 1e6) return Number((v / 1e6).toPrecision(3)) + "M";
    if (v >= 1e4) return Number((v / 1e3).toPrecision(3)) + "k";
    return v >= 100 ? String(Math.round(v)) : String(Number(v.toPrecision(3)));
  }

  function seriesUnit(signal, chart, index) {
    return signal === "traffic" && index === 1 ? "tokens/s" : chart.unit;
  }

  function lastValue(values) {
    for (var i = values.length - 1; i >= 0; i--) if (finite(values[i])) return values[i];
    return null;
  }

  function hasData(signal, chart) {
    return chart.series.some(function (s) {
      return s.values.some(function (v) { return finite(v) && (signal !== "traffic" || v > 0); });
    });
  }

  function axisValues(unit) {
    return function (u, splits) { return splits.map(function (v) { return fmt(unit, v); }); };
  }

  function zeroBased(floor) {
    return function (u, min, max) { return [0, finite(max) && max > 0 ? Math.max(floor, max * 1.1) : floor]; };
  }

  function chartOptions(signal, chart, width) {
    var series = [{}];
    chart.series.forEach(function (s, i) {
      var unit = seriesUnit(signal, chart, i);
      series.push({
        label: s.label,
        stroke: PALETTE[i % PALETTE.length],
        width: 2,
        scale: unit === "tokens/s" ? "tokens" : "y",
        points: { show: false },
        // Tokens usually move with requests: dashed, so the line under it stays visible.
        dash: unit === "tokens/s" ? [6, 4] : undefined,
        value: function (u, v) { return fmt(unit, v); },
      });
    });
    var axes = [{}, { scale: "y", size: 64, values: axisValues(chart.unit) }];
    var scales = { x: { time: true }, y: { range: zeroBased(signal === "saturation" ? 1 : chart.unit === "ratio" ? 0.05 : 1e-3) } };
    if (signal === "traffic") {
      axes.push({
        scale: "tokens",
        side: 1,
        size: 56,
        grid: { show: false },
        values: function (u, splits) { return splits.map(function (v) { return finite(v) ? compact(v) : ""; }); },
      });
      scales.tokens = { range: zeroBased(1) };
    }
    return { width: width, height: CHART_HEIGHT, series: series, axes: axes, scales: scales, legend: { live: false } };
  }

  function chartWidth(el) { return Math.max(200, el.clientWidth || 400); }

  function drawChart(signal, chart, timestamps, panel) {
    var el = part(panel, "chart");
    var data = [timestamps].concat(chart.series.map(function (s) { return s.values; }));
    var key = JSON.stringify(chart.series.map(function (s) { return s.label; }));
    var current = charts[signal];
    if (current && current.key === key) {
      current.plot.setData(data);
      return;
    }
    if (current) current.plot.destroy();
    var plot = new uPlot(chartOptions(signal, chart, chartWidth(el)), data, el);
    charts[signal] = { key: key, plot: plot };
  }

  function headline(signal, chart) {
    if (signal === "latency") return "p95 " + fmt("s", lastValue(chart.series[1].values));
    if (signal === "errors") return fmt("ratio", lastValue(chart.series[0].values)) + " of requests";
    if (signal === "traffic") return fmt("req/s", lastValue(chart.series[0].values)).replace(" /s", " req/s");
    var top = null;
    chart.series.forEach(function (s) {
      var v = lastValue(s.values);
      if (finite(v) && (top === null || v > top.value)) top = { label: s.label, value: v };
    });
    return top === null ? "" : top.label + " " + fmt("ratio", top.value);
  }

  var EMPTY_TEXT = {
    latency: "No operation finished in this window yet.",
    errors: "No request in this window, so no error ratio yet.",
    traffic: "No traffic recorded in this window yet.",
    saturation: "No saturation sample yet: the probes start with collector.start().",
  };

  function renderPanel(signal, snap) {
    var panel = byId("panel-" + signal);
    var chart = snap.charts[signal];
    var filled = hasData(signal, chart);
    var empty = part(panel, "empty");
    empty.hidden = filled;
    empty.textContent = filled ? "" : EMPTY_TEXT[signal];
    panel.classList.toggle("is-empty", !filled);
    part(panel, "headline").textContent = filled ? headline(signal, chart) : "no data";
    if (chart.series.length > 0) drawChart(signal, chart, snap.timestamps, panel);
    return filled;
  }

  function row(tbody, cells) {
    var tr = document.createElement("tr");
    cells.forEach(function (c) {
      var td = document.createElement("td");
      td.textContent = c.text;
      if (c.className) td.className = c.className;
      tr.appendChild(td);
    });
    tbody.appendChild(tr);
    return tr;
  }

  function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); }

  function renderOperations(snap) {
    var section = byId("operations");
    var tbody = section.querySelector("tbody");
    clear(tbody);
    snap.operations.forEach(function (op) {
      row(tbody, [
        { text: op.operation, className: "label" },
        { text: op.exchange, className: "label" },
        { text: fmt("req/s", op.requestsPerSecond), className: "num" },
        { text: fmt("ratio", op.errorRatio), className: "num" },
        { text: fmt("s", op.p50Seconds), className: "num" },
        { text: fmt("s", op.p95Seconds), className: "num" },
        { text: fmt("s", op.p99Seconds), className: "num" },
        { text: fmt("tokens/s", op.tokensPerSecond), className: "num" },
      ]);
    });
    var note = part(section, "note");
    note.textContent = snap.operations.length === 0
      ? "No operation completed in this window."
      : snap.operationsOmitted > 0 ? snap.operationsOmitted + " quieter operations not shown." : "";
  }

  function renderErrorTypes(snap) {
    var section = byId("error-types");
    var tbody = section.querySelector("tbody");
    clear(tbody);
    snap.errorTypes.forEach(function (e) {
      row(tbody, [
        { text: e.errorType, className: "label" },
        { text: fmt("/s", e.perSecond), className: "num" },
        { text: fmt("ratio", e.ratio), className: "num" },
      ]);
    });
    part(section, "note").textContent = snap.errorTypes.length === 0 ? "No error in this window." : "";
  }

  function labelText(labels) {
    return Object.keys(labels).sort().map(function (k) { return k + "=" + labels[k]; }).join(", ");
  }

  function renderAlerts(snap) {
    var section = byId("alerts");
    var table = section.querySelector("table");
    var tbody = section.querySelector("tbody");
    var note = part(section, "note");
    clear(tbody);
    if (snap.alerts === null) {
      table.hidden = true;
      note.textContent = "Alerting is not enabled on this collector.";
      return;
    }
    table.hidden = snap.alerts.length === 0;
    note.textContent = snap.alerts.length === 0 ? "No alert rule is defined." : "";
    snap.alerts.forEach(function (a) {
      var status = STATUS_CLASSES.indexOf(a.status) === -1 ? "unknown" : a.status;
      row(tbody, [
        { text: a.status, className: "alert-status status-" + status },
        { text: a.name, className: "label" },
        { text: a.severity, className: "label" },
        { text: finite(a.value) ? String(Number(a.value.toPrecision(4))) : "\\u2013", className: "num" },
        { text: String(a.threshold), className: "num" },
        { text: a.activeAt ? new Date(a.activeAt).toLocaleTimeString() : "\\u2013" },
        { text: labelText(a.labels), className: "label" },
      ]);
    });
  }

  function minutes(ms) {
    return ms >= 60000 ? Number((ms / 60000).toFixed(1)) + " min" : Number((ms / 1000).toFixed(1)) + " s";
  }

  function setStatus(kind, text) {
    var el = byId("status");
    el.className = "status status-" + kind;
    el.textContent = text;
  }

  function render(snap) {
    byId("service").textContent = snap.service;
    byId("history").textContent = minutes(snap.historyMs);
    byId("point-window").textContent = minutes(snap.pointWindowMs);
    document.querySelectorAll("[data-role=summary-window]").forEach(function (el) {
      el.textContent = "(last " + minutes(snap.summaryWindowMs) + ")";
    });
    var anyTraffic = false;
    SIGNALS.forEach(function (signal) {
      var filled = renderPanel(signal, snap);
      if (signal === "traffic") anyTraffic = filled;
    });
    byId("empty").hidden = anyTraffic || snap.operations.length > 0;
    renderOperations(snap);
    renderErrorTypes(snap);
    renderAlerts(snap);
    updates++;
    document.documentElement.setAttribute("data-updates", String(updates));
    setStatus("live", "live \\u00b7 updated " + new Date(snap.generatedAt).toLocaleTimeString());
  }

  function tick() {
    fetch("api/snapshot", { cache: "no-store", headers: { accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (snap) {
        if (finite(snap.refreshMs) && snap.refreshMs >= 250) refreshMs = snap.refreshMs;
        render(snap);
      })
      .catch(function (error) {
        setStatus("error", "disconnected (" + error.message + "), retrying every " + minutes(refreshMs));
      })
      .then(function () { setTimeout(tick, refreshMs); });
  }

  if (typeof ResizeObserver === "function") {
    new ResizeObserver(function () {
      SIGNALS.forEach(function (signal) {
        var current = charts[signal];
        if (!current) return;
        var el = part(byId("panel-" + signal), "chart");
        current.plot.setSize({ width: chartWidth(el), height: CHART_HEIGHT });
      });
    }).observe(document.querySelector("main"));
  }
  tick();
})();
`;
