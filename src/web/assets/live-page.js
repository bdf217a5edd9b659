// @ts-check
/**
 * The live page's browser script, served as `assets/live-page.js`: plain ES2020 for any current
 * browser, no build step (type-checked by `tsc -p src/web/assets`, linted by biome). It polls
 * `api/snapshot`, draws the panels with uPlot (loaded before it) and fills the tables.
 *
 * Every value that comes from the snapshot is set with `textContent` or handed to uPlot, which
 * sets legend labels with `textContent` too: no data is ever parsed as HTML, so a label such as
 * `<script>` shows as text.
 */

/** @typedef {import("../live-snapshot.js").LiveSnapshot} LiveSnapshot */
/** @typedef {import("../live-chart.js").LiveChart} LiveChart */
/** @typedef {import("../alert-rows.js").LiveAlert} LiveAlert */
/** @typedef {import("../operation-rows.js").LiveOperationRow} LiveOperationRow */
/** @typedef {{ operation: string, exchange?: string }} Filter */
/** @typedef {"auto" | "dark" | "light"} Theme */
/** @typedef {{ text: string, className?: string, label: string, node?: Node }} Cell */

(() => {
  const PALETTE = {
    light: ["#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2", "#db2777", "#4b5563"],
    dark: ["#60a5fa", "#f87171", "#4ade80", "#fbbf24", "#a78bfa", "#22d3ee", "#f472b6", "#9ca3af"],
  };
  const GOLDEN = ["latency", "errors", "traffic", "saturation"];
  const GEN_AI = ["tokensByModel", "timeToFirstToken", "refusals"];
  const STATUS_CLASSES = ["inactive", "pending", "firing", "resolved"];
  const THEMES = /** @type {Theme[]} */ (["auto", "dark", "light"]);
  const CHART_HEIGHT = 200;
  const DASH = "\u2013";

  /** @type {Record<string, { key: string, plot: uPlot }>} */
  const charts = {};
  const state = {
    /** @type {number | "all"} */
    range: "all",
    paused: false,
    /** @type {Filter | null} */
    filter: null,
    /** @type {Theme} */
    theme: "auto",
    refreshMs: 2000,
    updates: 0,
    /** @type {number | undefined} */
    timer: undefined,
    /** Bumped by every request, so an answer to an older one is dropped. */
    generation: 0,
    /** @type {LiveSnapshot | null} */
    last: null,
  };

  /**
   * @param {string} id
   * @returns {HTMLElement}
   */
  function byId(id) {
    const el = document.getElementById(id);
    if (el === null) throw new Error(`live page: #${id} is missing`);
    return el;
  }

  /**
   * @param {ParentNode} root
   * @param {string} role
   * @returns {HTMLElement}
   */
  function part(root, role) {
    const el = root.querySelector(`[data-role=${role}]`);
    if (!(el instanceof HTMLElement)) throw new Error(`live page: [data-role=${role}] is missing`);
    return el;
  }

  /**
   * @param {unknown} v
   * @returns {v is number}
   */
  function finite(v) {
    return typeof v === "number" && Number.isFinite(v);
  }

  /** @param {number} v */
  function short(v) {
    return String(Number(v.toPrecision(3)));
  }

  /** @param {number} v */
  function compact(v) {
    const a = Math.abs(v);
    if (a >= 1e6) return `${short(v / 1e6)}M`;
    if (a >= 1e3) return `${short(v / 1e3)}k`;
    return a >= 100 ? String(Math.round(v)) : short(v);
  }

  /**
   * Seconds in ms below one second, else in s; `unit` forces one (an axis uses one for all ticks).
   * @param {number} v
   * @param {"ms" | "s"} [unit]
   */
  function seconds(v, unit) {
    const u = unit ?? (Math.abs(v) < 1 ? "ms" : "s");
    return u === "ms" ? `${short(v * 1000)} ms` : `${short(v)} s`;
  }

  /**
   * A value with its unit, as the legend, the headlines and the tables show it.
   * @param {string} unit `s`, `ratio`, `req/s`, `tokens/s`, `/s`
   * @param {unknown} v
   */
  function fmt(unit, v) {
    if (!finite(v)) return DASH;
    if (unit === "s") return seconds(v);
    if (unit === "ratio") return `${short(v * 100)} %`;
    if (unit === "tokens/s") return `${compact(v)} tok/s`;
    if (unit === "req/s") return `${compact(v)} req/s`;
    return `${compact(v)} /s`;
  }

  /**
   * Tick labels of an axis: one unit for every tick (latency all in ms or all in s).
   * @param {string} unit
   * @returns {(u: uPlot, splits: number[]) => string[]}
   */
  function axisValues(unit) {
    return (_u, splits) => {
      const max = Math.max(0, ...splits.filter(finite).map(Math.abs));
      const secondsUnit = max < 1 ? "ms" : "s";
      return splits.map((v) => {
        if (!finite(v)) return "";
        if (unit === "s") return seconds(v, secondsUnit);
        if (unit === "ratio") return `${short(v * 100)} %`;
        if (unit === "tokens/s") return `${compact(v)} tok/s`;
        if (unit === "req/s") return `${compact(v)} req/s`;
        return `${compact(v)} /s`;
      });
    };
  }

  /** Time-axis tick spacings, in seconds: whole seconds at least (a young process spans seconds). */
  const TIME_STEPS_S = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400];

  /**
   * Time-axis labels: local clock time, with seconds while the ticks are under a minute apart.
   * @param {uPlot} _u
   * @param {number[]} splits
   * @param {number} _axis
   * @param {number} _space
   * @param {number} incr
   */
  function timeTicks(_u, splits, _axis, _space, incr) {
    /** @type {Intl.DateTimeFormatOptions} */
    const options =
      incr < 60
        ? { hour: "2-digit", minute: "2-digit", second: "2-digit" }
        : { hour: "2-digit", minute: "2-digit" };
    return splits.map((v) => new Date(v * 1000).toLocaleTimeString([], options));
  }

  /**
   * @param {number} floor
   * @returns {uPlot.Range.Function}
   */
  function zeroBased(floor) {
    return (_u, _min, max) => [0, finite(max) && max > 0 ? Math.max(floor, max * 1.1) : floor];
  }

  /**
   * The unit of line `index` of a chart: traffic's second line counts tokens.
   * @param {string} signal
   * @param {LiveChart} chart
   * @param {number} index
   */
  function seriesUnit(signal, chart, index) {
    return signal === "traffic" && index === 1 ? "tokens/s" : chart.unit;
  }

  /** @returns {"dark" | "light"} */
  function effectiveTheme() {
    if (state.theme !== "auto") return state.theme;
    return window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }

  /** @param {string} name */
  function cssVar(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  /**
   * @param {string} signal
   * @param {LiveChart} chart
   * @param {number} width
   * @returns {uPlot.Options}
   */
  function chartOptions(signal, chart, width) {
    const palette = PALETTE[effectiveTheme()];
    const axisColour = cssVar("--muted");
    const gridColour = cssVar("--line");
    /** @type {uPlot.Series[]} */
    const series = [{ value: (_u, v) => (finite(v) ? new Date(v * 1000).toLocaleTimeString() : DASH) }];
    chart.series.forEach((s, i) => {
      const unit = seriesUnit(signal, chart, i);
      series.push({
        label: s.label,
        stroke: palette[i % palette.length],
        width: 2,
        scale: unit === "tokens/s" && signal === "traffic" ? "tokens" : "y",
        points: { show: false },
        // Tokens usually move with requests: dashed, so the line under it stays visible.
        ...(unit === "tokens/s" && signal === "traffic" ? { dash: [6, 4] } : {}),
        value: (_u, v) => fmt(unit, v),
      });
    });
    const axis = {
      stroke: axisColour,
      grid: { stroke: gridColour, width: 1 },
      ticks: { stroke: gridColour },
    };
    /** @type {uPlot.Axis[]} */
    const axes = [
      { ...axis, space: 70, incrs: TIME_STEPS_S, values: timeTicks },
      { ...axis, scale: "y", size: 76, values: axisValues(chart.unit) },
    ];
    const floor = signal === "saturation" ? 1 : chart.unit === "ratio" ? 0.05 : chart.unit === "s" ? 0.01 : 1;
    /** @type {uPlot.Scales} */
    const scales = { x: { time: true }, y: { range: zeroBased(floor) } };
    if (signal === "traffic") {
      axes.push({
        ...axis,
        scale: "tokens",
        side: 1,
        size: 80,
        grid: { show: false },
        values: axisValues("tokens/s"),
      });
      scales.tokens = { range: zeroBased(1) };
    }
    return {
      width,
      height: CHART_HEIGHT,
      series,
      axes,
      scales,
      // Hover shows every line's value at the cursor in the legend under the chart; away from
      // the chart, the legend shows the newest values.
      legend: { live: true },
      hooks: { setCursor: [showNewestWhenAway] },
    };
  }

  /** @param {uPlot} u */
  function showNewestWhenAway(u) {
    if (u.cursor.idx !== null && u.cursor.idx !== undefined) return;
    const newest = newestIndex(u);
    if (newest !== null) u.setLegend({ idx: newest }, false);
  }

  /**
   * The last point where some line has a value.
   * @param {uPlot} u
   */
  function newestIndex(u) {
    const length = u.data[0]?.length ?? 0;
    for (let i = length - 1; i >= 0; i--) {
      if (u.data.some((values, s) => s > 0 && finite(values[i]))) return i;
    }
    return null;
  }

  /** @param {HTMLElement} el */
  function chartWidth(el) {
    return Math.max(200, el.clientWidth || 400);
  }

  /**
   * @param {string} signal
   * @param {LiveChart} chart
   * @param {number[]} timestamps
   * @param {HTMLElement} panel
   */
  function drawChart(signal, chart, timestamps, panel) {
    const el = part(panel, "chart");
    /** @type {uPlot.AlignedData} */
    const data = [timestamps, ...chart.series.map((s) => s.values)];
    const key = JSON.stringify([effectiveTheme(), chart.series.map((s) => s.label)]);
    const current = charts[signal];
    if (current && current.key === key) {
      current.plot.setData(data);
      showNewestWhenAway(current.plot);
      return;
    }
    if (current) current.plot.destroy();
    const plot = new uPlot(chartOptions(signal, chart, chartWidth(el)), data, el);
    charts[signal] = { key, plot };
    showNewestWhenAway(plot);
  }

  /** @param {(number | null)[]} values */
  function lastValue(values) {
    for (let i = values.length - 1; i >= 0; i--) if (finite(values[i])) return values[i];
    return null;
  }

  /**
   * @param {string} signal
   * @param {LiveChart} chart
   */
  function hasData(signal, chart) {
    return chart.series.some((s) => s.values.some((v) => finite(v) && (signal !== "traffic" || v > 0)));
  }

  /**
   * @param {string} signal
   * @param {LiveChart} chart
   */
  function headline(signal, chart) {
    const first = chart.series[0];
    if (signal === "latency") return `p95 ${fmt("s", lastValue(chart.series[1]?.values ?? []))}`;
    if (signal === "errors") return `${fmt("ratio", lastValue(first?.values ?? []))} of requests`;
    if (signal === "traffic" || signal === "refusals") return fmt(chart.unit, lastValue(first?.values ?? []));
    if (signal === "timeToFirstToken") return `p50 ${fmt("s", lastValue(first?.values ?? []))}`;
    /** @type {{ label: string, value: number } | null} */
    let top = null;
    for (const s of chart.series) {
      const v = lastValue(s.values);
      if (finite(v) && (top === null || v > top.value)) top = { label: s.label, value: v };
    }
    if (top === null) return "";
    return `${top.label} ${signal === "tokensByModel" ? fmt("tokens/s", top.value) : fmt("ratio", top.value)}`;
  }

  /** @type {Record<string, string>} */
  const EMPTY_TEXT = {
    latency: "No operation finished in this range yet.",
    errors: "No request in this range, so no error ratio yet.",
    traffic: "No traffic recorded in this range yet.",
    saturation: "No saturation sample yet: the probes start with collector.start().",
    tokensByModel: "No AI exchange reported token usage in this range.",
    timeToFirstToken: "No streamed AI call in this range.",
    refusals: "No refusal in this range.",
  };

  /**
   * @param {string} signal
   * @param {LiveChart | null} chart
   * @param {number[]} timestamps
   */
  function renderPanel(signal, chart, timestamps) {
    const panel = byId(`panel-${signal}`);
    panel.hidden = chart === null;
    if (chart === null) return false;
    const filled = hasData(signal, chart);
    const empty = part(panel, "empty");
    empty.hidden = filled;
    empty.textContent = filled ? "" : (EMPTY_TEXT[signal] ?? "");
    panel.classList.toggle("is-empty", !filled);
    // For scripts and tests: how many points the chart spans, and from when (epoch seconds).
    panel.setAttribute("data-points", String(timestamps.length));
    panel.setAttribute("data-from", String(timestamps[0] ?? ""));
    part(panel, "headline").textContent = filled ? headline(signal, chart) : "no data";
    if (chart.series.length > 0) drawChart(signal, chart, timestamps, panel);
    return filled;
  }

  /**
   * One table row; each cell carries its column name for the stacked phone layout.
   * @param {HTMLElement} tbody
   * @param {Cell[]} cells
   */
  function row(tbody, cells) {
    const tr = document.createElement("tr");
    for (const c of cells) {
      const td = document.createElement("td");
      if (c.node) td.appendChild(c.node);
      else td.textContent = c.text;
      if (c.className) td.className = c.className;
      td.setAttribute("data-label", c.label);
      tr.appendChild(td);
    }
    tbody.appendChild(tr);
    return tr;
  }

  /** @param {Node} el */
  function clear(el) {
    while (el.firstChild) el.removeChild(el.firstChild);
  }

  /**
   * A CamelCase or snake_case name that may wrap only between its words (`<wbr>`), never inside one.
   * @param {string} name
   */
  function breakableName(name) {
    const span = document.createElement("span");
    span.className = "name";
    const words = name.split(/(?<=[a-z0-9])(?=[A-Z])|(?<=_)/);
    words.forEach((word, i) => {
      if (i > 0) span.appendChild(document.createElement("wbr"));
      span.appendChild(document.createTextNode(word));
    });
    return span;
  }

  /** @param {LiveOperationRow} op */
  function operationButton(op) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "op-link";
    button.textContent = op.operation;
    const selected = state.filter !== null && state.filter.operation === op.operation;
    button.setAttribute("aria-pressed", selected ? "true" : "false");
    button.title = selected ? "Show every operation" : `Narrow every chart to ${op.operation}`;
    button.addEventListener("click", () => {
      setFilter(selected ? null : { operation: op.operation, exchange: op.exchange });
    });
    return button;
  }

  /** @param {LiveSnapshot} snap */
  function renderOperations(snap) {
    const section = byId("operations");
    const tbody = /** @type {HTMLElement} */ (section.querySelector("tbody"));
    clear(tbody);
    for (const op of snap.operations) {
      const tr = row(tbody, [
        { text: op.operation, className: "label", label: "operation", node: operationButton(op) },
        { text: op.exchange, className: "label", label: "exchange" },
        { text: fmt("req/s", op.requestsPerSecond), className: "num", label: "requests/s" },
        { text: fmt("ratio", op.errorRatio), className: "num", label: "errors" },
        { text: fmt("s", op.p50Seconds), className: "num", label: "p50" },
        { text: fmt("s", op.p95Seconds), className: "num", label: "p95" },
        { text: fmt("s", op.p99Seconds), className: "num", label: "p99" },
        { text: fmt("tokens/s", op.tokensPerSecond), className: "num", label: "tokens/s" },
      ]);
      if (state.filter !== null && state.filter.operation === op.operation) tr.classList.add("selected");
    }
    part(section, "note").textContent =
      snap.operations.length === 0
        ? "No operation completed in this window."
        : snap.operationsOmitted > 0
          ? `${snap.operationsOmitted} quieter operations not shown.`
          : "";
  }

  /** @param {LiveSnapshot} snap */
  function renderErrorTypes(snap) {
    const section = byId("error-types");
    const tbody = /** @type {HTMLElement} */ (section.querySelector("tbody"));
    clear(tbody);
    for (const e of snap.errorTypes) {
      row(tbody, [
        { text: e.errorType, className: "label", label: "error type" },
        { text: fmt("/s", e.perSecond), className: "num", label: "errors/s" },
        { text: fmt("ratio", e.ratio), className: "num", label: "per request" },
      ]);
    }
    part(section, "note").textContent = snap.errorTypes.length === 0 ? "No error in this window." : "";
  }

  /** @param {Readonly<Record<string, string>>} labels */
  function labelText(labels) {
    return Object.keys(labels)
      .sort()
      .map((k) => `${k}=${labels[k]}`)
      .join(", ");
  }

  /**
   * What the alert measures, its value and the comparison: `p99 2.45 s > 2 s`.
   * @param {LiveAlert} a
   */
  function conditionText(a) {
    const c = a.condition;
    if (c === null) return `${finite(a.value) ? short(a.value) : DASH} vs ${short(a.threshold)}`;
    /** @type {(v: number) => string} */
    let format = (v) => short(v);
    let what = c.statistic;
    if (c.statistic === "burn_rate") {
      what = `${c.signal} burn rate`;
      format = (v) => `${short(v)}\u00d7`;
    } else if (c.signal === "latency") {
      format = (v) => seconds(v, Math.max(Math.abs(a.threshold), Math.abs(a.value ?? 0)) < 1 ? "ms" : "s");
    } else if (c.signal === "errors") {
      what = c.statistic === "ratio" ? "error ratio" : "errors";
      format = c.statistic === "ratio" ? (v) => `${short(v * 100)} %` : (v) => `${compact(v)} /s`;
    } else if (c.signal === "traffic") {
      const kind = c.kind ?? "requests";
      what = kind;
      format = (v) => `${compact(v)} ${kind === "tokens" ? "tok/s" : kind === "bytes" ? "B/s" : "req/s"}`;
    } else if (c.signal === "saturation") {
      what = c.statistic === "max" ? "peak use" : "use";
      format = (v) => `${short(v * 100)} %`;
    }
    return `${what} ${finite(a.value) ? format(a.value) : DASH} ${c.comparison} ${format(a.threshold)}`;
  }

  /** @param {LiveSnapshot} snap */
  function renderAlerts(snap) {
    const section = byId("alerts");
    const table = /** @type {HTMLElement} */ (section.querySelector("table"));
    const tbody = /** @type {HTMLElement} */ (section.querySelector("tbody"));
    const note = part(section, "note");
    clear(tbody);
    if (snap.alerts === null) {
      table.hidden = true;
      note.textContent = "Alerting is not enabled on this collector.";
      return;
    }
    table.hidden = snap.alerts.length === 0;
    note.textContent = snap.alerts.length === 0 ? "No alert rule is defined." : "";
    for (const a of snap.alerts) {
      const status = STATUS_CLASSES.indexOf(a.status) === -1 ? "unknown" : a.status;
      row(tbody, [
        { text: a.status, className: `alert-status status-${status}`, label: "status" },
        { text: a.name, className: "alert-name", label: "alert", node: breakableName(a.name) },
        { text: a.severity, className: "label", label: "severity" },
        { text: conditionText(a), className: "num condition", label: "condition" },
        { text: a.activeAt ? new Date(a.activeAt).toLocaleTimeString() : DASH, label: "since" },
        { text: labelText(a.labels), className: "label", label: "labels" },
      ]);
    }
  }

  /** @param {number} ms */
  function duration(ms) {
    return ms >= 60000 ? `${Number((ms / 60000).toFixed(1))} min` : `${Number((ms / 1000).toFixed(1))} s`;
  }

  /**
   * @param {string} kind
   * @param {string} text
   */
  function setStatus(kind, text) {
    const el = byId("status");
    el.className = `status status-${kind}`;
    el.textContent = text;
  }

  /** @param {LiveSnapshot} snap */
  function renderToolbar(snap) {
    for (const button of document.querySelectorAll("#ranges button")) {
      const value = button.getAttribute("data-range");
      const ms = value === "all" ? null : Number(value);
      const pressed = value === String(state.range);
      button.setAttribute("aria-pressed", pressed ? "true" : "false");
      // Longer than the store keeps at full resolution: nothing more to show than "all".
      const beyond = ms !== null && ms > snap.historyMs;
      /** @type {HTMLButtonElement} */ (button).disabled = beyond;
      button.setAttribute(
        "title",
        beyond ? `The window store keeps ${duration(snap.historyMs)} (window.retentionMs)` : "",
      );
    }
    const filter = byId("filter");
    filter.hidden = snap.filter === null;
    part(filter, "name").textContent =
      snap.filter === null
        ? ""
        : `${snap.filter.operation}${snap.filter.exchange ? ` (${snap.filter.exchange})` : ""}`;
  }

  /** @param {LiveSnapshot} snap */
  function render(snap) {
    state.last = snap;
    byId("service").textContent = snap.service;
    byId("since").textContent =
      snap.startedAt === null ? "the start" : new Date(snap.startedAt * 1000).toLocaleTimeString();
    byId("point-window").textContent = duration(snap.pointWindowMs);
    for (const el of document.querySelectorAll("[data-role=summary-window]")) {
      el.textContent = `(last ${duration(snap.summaryWindowMs)})`;
    }
    renderToolbar(snap);
    let anyTraffic = false;
    for (const signal of GOLDEN) {
      const chart = snap.charts[/** @type {keyof LiveSnapshot["charts"]} */ (signal)];
      const filled = renderPanel(signal, chart, snap.timestamps);
      if (signal === "traffic") anyTraffic = filled;
    }
    let anyGenAi = false;
    for (const signal of GEN_AI) {
      const chart = snap.genAi[/** @type {keyof LiveSnapshot["genAi"]} */ (signal)];
      renderPanel(signal, chart, snap.timestamps);
      if (chart !== null) anyGenAi = true;
    }
    byId("genai-panels").hidden = !anyGenAi;
    byId("empty").hidden = anyTraffic || snap.operations.length > 0 || snap.filter !== null;
    renderOperations(snap);
    renderErrorTypes(snap);
    renderAlerts(snap);
    state.updates++;
    document.documentElement.setAttribute("data-updates", String(state.updates));
    const when = new Date(snap.generatedAt).toLocaleTimeString();
    setStatus(state.paused ? "paused" : "live", `${state.paused ? "paused" : "live"} \u00b7 updated ${when}`);
  }

  function snapshotUrl() {
    const params = new URLSearchParams();
    if (state.filter !== null) {
      params.set("operation", state.filter.operation);
      if (state.filter.exchange) params.set("exchange", state.filter.exchange);
    }
    if (state.range !== "all") params.set("rangeMs", String(state.range));
    const query = params.toString();
    return `api/snapshot${query === "" ? "" : `?${query}`}`;
  }

  /** Asks for a snapshot now; then again every `refreshMs` unless paused. */
  function refresh() {
    window.clearTimeout(state.timer);
    const generation = ++state.generation;
    fetch(snapshotUrl(), { cache: "no-store", headers: { accept: "application/json" } })
      .then((response) => {
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        return response.json();
      })
      .then((/** @type {LiveSnapshot} */ snap) => {
        if (generation !== state.generation) return;
        if (finite(snap.refreshMs) && snap.refreshMs >= 250) state.refreshMs = snap.refreshMs;
        render(snap);
      })
      .catch((/** @type {Error} */ error) => {
        if (generation !== state.generation) return;
        setStatus("error", `disconnected (${error.message}), retrying every ${duration(state.refreshMs)}`);
      })
      .then(() => {
        if (generation === state.generation && !state.paused) {
          state.timer = window.setTimeout(refresh, state.refreshMs);
        }
      });
  }

  /** Keeps the view in the address, so a reload or a shared link shows the same. */
  function saveView() {
    const url = new URL(window.location.href);
    url.searchParams.delete("operation");
    url.searchParams.delete("exchange");
    url.searchParams.delete("range");
    if (state.filter !== null) {
      url.searchParams.set("operation", state.filter.operation);
      if (state.filter.exchange) url.searchParams.set("exchange", state.filter.exchange);
    }
    if (state.range !== "all") url.searchParams.set("range", String(state.range));
    window.history.replaceState(null, "", url);
  }

  /** @param {Filter | null} filter */
  function setFilter(filter) {
    state.filter = filter;
    saveView();
    refresh();
  }

  /** @param {Theme} theme */
  function applyTheme(theme) {
    state.theme = theme;
    if (theme === "auto") document.documentElement.removeAttribute("data-theme");
    else document.documentElement.setAttribute("data-theme", theme);
    byId("theme").textContent = `theme: ${theme}`;
    try {
      window.localStorage.setItem("zoran-live-theme", theme);
    } catch {
      // Storage refused (private mode, sandbox): the choice lasts until the page is closed.
    }
    if (state.last !== null) render(state.last);
  }

  function readView() {
    const params = new URL(window.location.href).searchParams;
    const operation = params.get("operation");
    if (operation) {
      const exchange = params.get("exchange");
      state.filter = exchange ? { operation, exchange } : { operation };
    }
    const range = Number(params.get("range"));
    if (Number.isInteger(range) && range > 0) state.range = range;
    /** @type {string | null} */
    let saved = null;
    try {
      saved = window.localStorage.getItem("zoran-live-theme");
    } catch {
      saved = null;
    }
    if (saved === "dark" || saved === "light") applyTheme(saved);
  }

  for (const button of document.querySelectorAll("#ranges button")) {
    button.addEventListener("click", () => {
      const value = button.getAttribute("data-range");
      state.range = value === "all" || value === null ? "all" : Number(value);
      saveView();
      refresh();
    });
  }
  byId("pause").addEventListener("click", () => {
    state.paused = !state.paused;
    const pause = byId("pause");
    pause.textContent = state.paused ? "Resume" : "Pause";
    pause.setAttribute("aria-pressed", state.paused ? "true" : "false");
    if (state.paused) {
      window.clearTimeout(state.timer);
      state.generation++;
      setStatus("paused", "paused");
    } else {
      refresh();
    }
  });
  byId("clear-filter").addEventListener("click", () => setFilter(null));
  byId("theme").addEventListener("click", () => {
    applyTheme(THEMES[(THEMES.indexOf(state.theme) + 1) % THEMES.length] ?? "auto");
  });
  // The system theme changed (e.g. at dusk): redraw the charts in its colours.
  window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => {
    if (state.theme === "auto" && state.last !== null) render(state.last);
  });

  if (typeof ResizeObserver === "function") {
    new ResizeObserver(() => {
      for (const signal of [...GOLDEN, ...GEN_AI]) {
        const current = charts[signal];
        if (!current) continue;
        const el = part(byId(`panel-${signal}`), "chart");
        current.plot.setSize({ width: chartWidth(el), height: CHART_HEIGHT });
      }
    }).observe(document.body);
  }
  readView();
  refresh();
})();
