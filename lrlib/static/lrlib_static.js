/* lrlib's static views: the book's controls, working on a published page with no kernel and no
   network. Each view draws from data embedded in the page or from formulas that mirror
   lrlib.schedules and lrlib.range_test line by line (tests/test_static_views.py runs these
   formulas in Chromium and compares them with lrlib's NumPy values). Plain ES2017, no library. */
(function () {
  "use strict";
  if (window.lrlibStatic) return;

  // ---- lrlib.schedules: one function per kind, of the step and the schedule's config ----------
  const epochOf = (step, perEpoch) => Math.floor(step / (perEpoch == null ? 1 : perEpoch));
  const clip = (x, low, high) => Math.min(Math.max(x, low), high);
  function triangle(step, stepSize) {  // the cycle number (from 1) and the wave 1 - |x|
    const cycle = Math.floor(1 + step / (2 * stepSize));
    return [cycle, Math.max(0, 1 - Math.abs(step / stepSize - 2 * cycle + 1))];
  }
  function roundHalfEven(x) {  // Python's round(), which one-cycle's peak step uses
    const r = Math.round(x);
    return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
  }
  function oneCycleHalves(step, c) {
    const peak = Math.min(Math.max(roundHalfEven(c.warmup_fraction * (c.total_steps - 1)), 1), c.total_steps - 2);
    const rising = Math.min(step / peak, 1);
    const falling = clip((step - peak) / (c.total_steps - 1 - peak), 0, 1);
    if (c.shape === "cosine") {
      return [peak, (1 - Math.cos(Math.PI * rising)) / 2, (1 + Math.cos(Math.PI * falling)) / 2];
    }
    return [peak, rising, 1 - falling];
  }
  const KINDS = {
    constant: (s, c) => c.rate,
    linear_decay: (s, c) => c.initial_rate + (c.final_rate - c.initial_rate)
      * Math.min(epochOf(s, c.steps_per_epoch) / c.decay_epochs, 1),
    step_decay: (s, c) => c.initial_rate
      * Math.pow(c.drop_factor, Math.floor(epochOf(s, c.steps_per_epoch) / c.epochs_per_drop)),
    time_decay: (s, c) => c.initial_rate / (1 + c.decay_rate * epochOf(s, c.steps_per_epoch)),
    exponential_decay: (s, c) => c.initial_rate * Math.exp(-c.decay_rate * epochOf(s, c.steps_per_epoch)),
    piecewise_constant: (s, c) => c.boundaries.reduce((rate, b, i) => (s >= b ? c.values[i + 1] : rate), c.values[0]),
    polynomial_decay: (s, c) => (c.initial_rate - c.final_rate) * Math.pow(1 - Math.min(s / c.decay_steps, 1), c.power)
      + c.final_rate,
    cosine_decay: (s, c) => c.final_rate
      + 0.5 * (c.initial_rate - c.final_rate) * (1 + Math.cos(Math.PI * Math.min(s / c.decay_steps, 1))),
    linear_warmup: (s, c) => c.start_rate + (c.peak_rate - c.start_rate) * Math.min(s / c.warmup_steps, 1),
    join: (s, c) => c.boundaries.reduce((rate, b, i) => (s >= b ? value(c.schedules[i + 1], s - b) : rate),
      value(c.schedules[0], s)),
    triangular: (s, c) => c.base_rate + (c.max_rate - c.base_rate) * triangle(s, c.step_size)[1],
    triangular2: (s, c) => {
      const [cycle, wave] = triangle(s, c.step_size);
      return c.base_rate + (c.max_rate - c.base_rate) * wave / Math.pow(2, cycle - 1);
    },
    exp_range: (s, c) => c.base_rate + (c.max_rate - c.base_rate) * triangle(s, c.step_size)[1] * Math.pow(c.gamma, s),
    one_cycle: (s, c) => {
      const [peak, done, left] = oneCycleHalves(s, c);
      const start = c.peak_rate / c.start_divisor, last = c.peak_rate / c.final_divisor;
      return s < peak ? start + (c.peak_rate - start) * done : last + (c.peak_rate - last) * left;
    },
    wsd: (s, c) => {
      const decaySteps = Math.max(roundHalfEven(c.decay_fraction * c.total_steps), 1);
      const decayStart = c.total_steps - decaySteps;
      if (s >= decayStart) {
        const done = clip((s - decayStart) / decaySteps, 0, 1);
        const left = c.decay_shape === "cosine" ? (1 + Math.cos(Math.PI * done)) / 2
          : c.decay_shape === "1-sqrt" ? 1 - Math.sqrt(done) : 1 - done;
        return c.final_rate + (c.peak_rate - c.final_rate) * left;
      }
      return s < c.warmup_steps ? c.peak_rate * (s + 1) / c.warmup_steps : c.peak_rate;
    },
    cyclical_momentum: (s, c) => c.high_momentum - (c.high_momentum - c.low_momentum) * triangle(s, c.step_size)[1],
    one_cycle_momentum: (s, c) => {
      const [peak, done, left] = oneCycleHalves(s, c);
      const span = c.high_momentum - c.low_momentum;
      return s < peak ? c.high_momentum - span * done : c.low_momentum + span * (1 - left);
    },
  };
  function value(config, step) {
    const formula = KINDS[config.kind];
    if (!formula) throw new Error("unknown schedule kind " + config.kind);
    return formula(step, config);
  }
  const values = (config, steps) => steps.map((step) => value(config, step));

  // ---- lrlib.range_test: smoothing and the three suggestion rules ----------------------------
  const finiteOrNaN = (x) => (x === null || x === undefined ? NaN : x);
  function smooth(losses, beta) {
    let average = 0;
    return losses.map((loss, i) => {
      average = beta * average + (1 - beta) * finiteOrNaN(loss);
      return average / (1 - Math.pow(beta, i + 1));
    });
  }
  function argmin(xs) {
    let best = 0;
    xs.forEach((x, i) => { if (x < xs[best]) best = i; });
    return best;
  }
  function median(xs) {
    const sorted = xs.slice().sort((a, b) => a - b), n = sorted.length;
    return n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }
  function curve(rates, losses) {
    const keep = losses.map((loss) => Number.isFinite(loss));
    const r = rates.filter((_, i) => keep[i]), l = losses.filter((_, i) => keep[i]);
    if (l.length < 3) throw new Error("the curve has fewer than 3 finite losses");
    return [r, l];
  }
  function gradient(f, x) {  // numpy.gradient, operation for operation (ties between slopes break alike)
    const n = f.length, dx = x.slice(1).map((v, i) => v - x[i]);
    const uniform = dx.every((d) => d === dx[0]);
    return f.map((_, i) => {
      if (i === 0) return (f[1] - f[0]) / dx[0];
      if (i === n - 1) return (f[n - 1] - f[n - 2]) / dx[n - 2];
      if (uniform) return (f[i + 1] - f[i - 1]) / (2 * dx[0]);
      const dx1 = dx[i - 1], dx2 = dx[i];
      const a = -dx2 / (dx1 * (dx1 + dx2)), b = (dx2 - dx1) / (dx1 * dx2), c = dx1 / (dx2 * (dx1 + dx2));
      return a * f[i - 1] + b * f[i] + c * f[i + 1];
    });
  }
  function steepest(rates, losses, skipStart = 0.1) {
    [rates, losses] = curve(rates, losses);
    const first = Math.floor(losses.length * skipStart), last = Math.max(argmin(losses), first + 1);
    const slopes = gradient(losses, rates.map(Math.log10)).slice(first, last + 1);
    return rates[first + argmin(slopes)];
  }
  function minimumOverTen(rates, losses) {
    [rates, losses] = curve(rates, losses);
    return rates[argmin(losses)] / 10;
  }
  function descent(rates, losses, fraction = 0.1) {
    [rates, losses] = curve(rates, losses);
    const lowest = argmin(losses);
    const level = median(losses.slice(0, Math.max(Math.floor(losses.length / 10), 1)));
    const drop = level - losses[lowest];
    if (!(drop > 0)) throw new Error("the loss never falls below its starting level: no descent");
    let start = 0;
    for (let i = 0; i <= lowest; i++) if (losses[i] > level - fraction * drop) start = i + 1;
    let end = start;
    for (let i = start; i <= lowest; i++) if (losses[i] <= losses[lowest] + fraction * drop) { end = i; break; }
    return [rates[start], rates[end]];
  }
  function valley(rates, losses, fraction = 0.1) {
    const [low, high] = descent(rates, losses, fraction);
    return Math.sqrt(low * high);
  }
  const SUGGESTIONS = { steepest: steepest, "minimum/10": minimumOverTen, valley: valley };
  const suggest = (rates, smoothed, rule) => SUGGESTIONS[rule](rates, smoothed);

  // ---- drawing: SVG line plots with log or linear axes ---------------------------------------
  const COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf"];
  const color = (c, i) => (c == null ? COLORS[i % 10] : /^C\d$/.test(c) ? COLORS[+c[1]] : c);
  const SVG = "http://www.w3.org/2000/svg";
  function el(tag, attributes, parent, ns) {
    const node = ns ? document.createElementNS(SVG, tag) : document.createElement(tag);
    Object.entries(attributes || {}).forEach(([k, v]) => node.setAttribute(k, v));
    if (parent) parent.appendChild(node);
    return node;
  }
  const svgEl = (tag, attributes, parent) => el(tag, attributes, parent, true);
  function format(v, precision = 3) {
    if (v === 0) return "0";
    const a = Math.abs(v);
    return a >= 1e4 || a < 1e-3 ? v.toExponential(Math.max(0, precision - 3)).replace("e+", "e")
      : String(+v.toPrecision(precision));
  }
  function labels(values) {  // as few digits as tell the ticks apart (a narrow axis needs more)
    for (let precision = 3; precision < 12; precision++) {
      const out = values.map((v) => format(v, precision));
      if (new Set(out).size === out.length) return out;
    }
    return values.map((v) => String(v));
  }
  function ticks(low, high, log) {
    if (!(Number.isFinite(low) && Number.isFinite(high)) || !(high > low)) return [];
    if (log) {
      const out = [], first = Math.floor(Math.log10(low)), last = Math.ceil(Math.log10(high));
      const every = Math.max(1, Math.ceil((last - first) / 8));  // at most about eight labels
      for (let k = first; k <= last; k++) {
        const t = Math.pow(10, k);
        if (t >= low * 0.999 && t <= high * 1.001 && k % every === 0) out.push(t);
      }
      if (out.length >= 2) return out;
      return ticks(low, high, false).filter((t) => t > 0);  // less than a decade: plain ticks
    }
    const raw = (high / 5 - low / 5), magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw);
    const first = Math.ceil(low / step), count = Math.floor(high / step + 1e-9) - first;
    // A range too narrow for its magnitude (t + step === t) or too wide for numbers: no ticks.
    if (!Number.isFinite(step) || !(count >= 0 && count <= 12) || first * step + step === first * step) return [];
    return Array.from({ length: count + 1 }, (_, i) => +((first + i) * step).toPrecision(12));
  }
  const LARGEST = 1e300;  // beyond it, spans and paddings overflow to Infinity
  function extent(xs, log, fixed) {
    if (fixed) return fixed;
    const usable = xs.filter((x) => Number.isFinite(x) && Math.abs(x) <= LARGEST && (!log || x > 1e-300));
    if (!usable.length) return log ? [0.1, 1] : [0, 1];
    let low = usable.reduce((a, b) => Math.min(a, b)), high = usable.reduce((a, b) => Math.max(a, b));
    if (high - low <= Math.abs(high) * 1e-9) low = high;  // equal but for rounding: a constant
    if (log) {
      if (low === high) { low /= 2; high *= 2; }
      const pad = Math.pow(10, (Math.log10(high) - Math.log10(low)) * 0.04);
      return [low / pad, high * pad];
    }
    if (low === high) { low -= 0.5 + Math.abs(low) * 0.05; high += 0.5 + Math.abs(high) * 0.05; }
    const pad = (high - low) * 0.04;
    return [low - pad, high + pad];
  }
  function scale(range, pixels, log) {
    const f = log ? Math.log10 : (x) => x, a = f(range[0]), b = f(range[1]);
    return (x) => pixels[0] + (f(x) - a) / (b - a) * (pixels[1] - pixels[0]);
  }
  function panel(parent, spec) {
    const box = el("figure", { class: "lrlib-panel" }, parent);
    if (spec.html) { box.innerHTML = spec.html; return; }
    // As wide as the column, up to 640: text keeps its size on a phone instead of shrinking with the plot.
    const W = Math.round(clip(box.clientWidth || 640, 300, 640)), H = 330;
    const twin = (spec.series || []).some((s) => s.axis === "y2");
    const m = { left: 66, right: twin ? 62 : 16, top: 26, bottom: 44 };
    const svg = svgEl("svg", { viewBox: `0 0 ${W} ${H}`, width: "100%", role: "img",
      "aria-label": spec.title || "plot" }, box);
    const series = (spec.series || []).map((s, i) => Object.assign({}, s, {
      x: s.x.map(finiteOrNaN), y: s.y.map(finiteOrNaN), stroke: color(s.color, i) }));
    const allX = series.flatMap((s) => s.x).concat((spec.vlines || []).map((v) => v.x), (spec.spans || []).flat());
    const xr = extent(allX, spec.xlog, spec.xlim);
    const axisRange = (axis) => extent(series.filter((s) => (s.axis || "y") === axis).flatMap((s) => s.y)
      .concat(axis === "y" ? (spec.hlines || []).map((h) => h.y) : []), axis === "y" ? spec.ylog : false,
    axis === "y" ? spec.ylim : spec.y2lim);
    const yr = axisRange("y"), y2r = twin ? axisRange("y2") : null;
    const yValues = ticks(yr[0], yr[1], spec.ylog), yLabels = labels(yValues);
    const yTicks = spec.yticks || yValues.map((t, i) => [t, yLabels[i]]);
    // Room for the longest tick label (about 7 px a character) beside the axis's own label.
    m.left = Math.max(m.left, 34 + 7 * Math.max(0, ...yTicks.map(([, label]) => String(label).length)));
    const X = scale(xr, [m.left, W - m.right], spec.xlog);
    const top = spec.yinvert ? H - m.bottom : m.top, bottom = spec.yinvert ? m.top : H - m.bottom;
    const Y = scale(yr, [bottom, top], spec.ylog), Y2 = twin ? scale(y2r, [H - m.bottom, m.top], false) : null;
    const inside = (px, low, high) => px >= Math.min(low, high) - 0.5 && px <= Math.max(low, high) + 0.5;
    svgEl("rect", { x: m.left, y: m.top, width: W - m.left - m.right, height: H - m.top - m.bottom,
      fill: "white", stroke: "#444" }, svg);
    const text = (x, y, content, attributes) => {
      const t = svgEl("text", Object.assign({ x: x, y: y, "font-size": 12, fill: "#222" }, attributes), svg);
      t.textContent = content;
      return t;
    };
    const xTicks = ticks(xr[0], xr[1], spec.xlog), xLabels = labels(xTicks);
    xTicks.forEach((t, i) => {
      const px = X(t);
      if (!inside(px, m.left, W - m.right)) return;
      svgEl("line", { x1: px, x2: px, y1: m.top, y2: H - m.bottom, stroke: "#ddd" }, svg);
      text(px, H - m.bottom + 15, xLabels[i], { "text-anchor": "middle" });
    });
    yTicks.forEach(([t, label]) => {
      const py = Y(t);
      if (!inside(py, m.top, H - m.bottom)) return;
      svgEl("line", { x1: m.left, x2: W - m.right, y1: py, y2: py, stroke: "#eee" }, svg);
      text(m.left - 5, py + 4, label, { "text-anchor": "end" });
    });
    if (twin) {
      const y2Ticks = ticks(y2r[0], y2r[1], false), y2Labels = labels(y2Ticks);
      y2Ticks.forEach((t, i) => {
        const py = Y2(t);
        if (inside(py, m.top, H - m.bottom)) text(W - m.right + 5, py + 4, y2Labels[i]);
      });
      text(W - 12, H / 2, spec.y2label || "", { transform: `rotate(90 ${W - 12} ${H / 2})`, "text-anchor": "middle" });
    }
    text(W / 2, H - 8, spec.xlabel || "", { "text-anchor": "middle" });
    text(14, H / 2, spec.ylabel || "", { transform: `rotate(-90 14 ${H / 2})`, "text-anchor": "middle" });
    text(W / 2, 17, spec.title || "", { "text-anchor": "middle", "font-size": 13 });
    const clipId = "lrlib-clip-" + Math.random().toString(36).slice(2);
    const defs = svgEl("defs", {}, svg);
    svgEl("rect", { x: m.left, y: m.top, width: W - m.left - m.right, height: H - m.top - m.bottom },
      svgEl("clipPath", { id: clipId }, defs));
    const plotArea = svgEl("g", { "clip-path": `url(#${clipId})` }, svg);
    (spec.spans || []).forEach(([low, high]) => svgEl("rect", { x: X(low), y: m.top, width: Math.max(X(high) - X(low), 1),
      height: H - m.top - m.bottom, fill: COLORS[0], "fill-opacity": 0.15 }, plotArea));
    (spec.hlines || []).forEach((h) => svgEl("line", { x1: m.left, x2: W - m.right, y1: Y(h.y), y2: Y(h.y),
      stroke: color(h.color || "C7"), "stroke-dasharray": "6 4" }, plotArea));
    const legend = [];
    series.forEach((s) => {
      const YS = s.axis === "y2" ? Y2 : Y;
      let d = "", pen = "M";
      const points = [];
      s.x.forEach((x, i) => {
        const y = s.y[i];
        const ok = Number.isFinite(x) && Number.isFinite(y) && (!spec.xlog || x > 0) && (!spec.ylog || s.axis === "y2" || y > 0);
        const rawX = ok ? X(x) : NaN, rawY = ok ? YS(y) : NaN;
        if (!Number.isFinite(rawX) || !Number.isFinite(rawY)) { pen = "M"; return; }
        // Far outside the plot (a diverging run) the clip hides a point; a huge number would not parse.
        const px = clip(rawX, -1e5, 1e5).toFixed(2), py = clip(rawY, -1e5, 1e5).toFixed(2);
        if (s.steps && pen === "L") d += `H${px}`;  // drawstyle steps-post
        d += `${pen}${px},${py}`;
        pen = "L";
        points.push([px, py]);
      });
      if (s.line !== false) {
        svgEl("path", { d: d, fill: "none", stroke: s.stroke, "stroke-width": s.width || 1.8,
          "stroke-opacity": s.opacity == null ? 1 : s.opacity, "stroke-dasharray": s.dash ? "6 4" : "none",
          "stroke-linecap": "butt" }, plotArea);
      }
      if (s.marker) points.forEach(([px, py]) => svgEl("circle", { cx: px, cy: py, r: s.marker, fill: s.stroke }, plotArea));
      if (s.diverged && points.length) {  // an x where the run was last seen, held inside the frame
        const [px, py] = points[points.length - 1];
        const cx = clip(+px, m.left + 6, W - m.right - 6), cy = clip(+py, m.top + 6, H - m.bottom - 6);
        svgEl("path", { d: `M${cx - 5},${cy - 5}L${cx + 5},${cy + 5}M${cx - 5},${cy + 5}L${cx + 5},${cy - 5}`,
          stroke: s.stroke, "stroke-width": 2.5, fill: "none", class: "lrlib-diverged" }, svg);
      }
      if (s.label) legend.push([s.label, s.stroke, s.dash]);
    });
    (spec.vlines || []).forEach((v, i) => {
      const c = color(v.color, i + 1), px = X(v.x);
      svgEl("line", { x1: px, x2: px, y1: m.top, y2: v.short ? m.top + 18 : H - m.bottom,
        stroke: c, "stroke-width": v.short ? 2 : 1.5, "stroke-dasharray": v.short ? "none" : "6 4" }, plotArea);
      if (v.label) legend.push([v.label, c, !v.short]);
    });
    if (legend.length) {
      const list = el("figcaption", { class: "lrlib-legend" }, box);
      legend.forEach(([label, c, dash]) => {
        const item = el("span", { class: "lrlib-legend-item" }, list);
        el("span", { class: "lrlib-swatch", style: `border-top: 3px ${dash ? "dashed" : "solid"} ${c}` }, item);
        item.appendChild(document.createTextNode(label));
      });
    }
  }

  // ---- controls -------------------------------------------------------------------------------
  function control(parent, spec, state, onChange) {
    const row = el("div", { class: "lrlib-control", "data-name": spec.name }, parent);
    const label = el("label", {}, row);
    label.textContent = spec.label + " ";
    const readout = el("output", {}, row);
    let input;
    const show = (text) => { readout.textContent = text; };
    if (spec.type === "slider") {  // a choice among options, in order
      // With `depends`, the options are those of the other control's current choice.
      const options = () => (spec.depends ? spec.options[state[spec.depends]] : spec.options);
      input = el("input", { type: "range", min: 0, max: options().length - 1, step: 1, value: spec.value,
        "data-control": spec.name }, label);
      input.addEventListener("input", () => { show(options()[+input.value]); onChange(+input.value); });
      show(options()[spec.value]);
      row.refresh = (previous) => {  // keep the shown label when the new options have it
        const labels = options(), kept = labels.indexOf(previous);
        input.max = labels.length - 1;
        input.value = kept >= 0 ? kept : Math.floor(labels.length / 2);
        input.disabled = labels.length < 2;
        show(labels[+input.value]);
        return +input.value;
      };
      row.label = () => options()[+input.value];
      input.disabled = options().length < 2;
      return row;
    }
    if (spec.type === "range") {  // a number, on a log scale when spec.log
      input = el("input", { type: "range", min: spec.min, max: spec.max, step: spec.step, value: spec.position,
        "data-control": spec.name }, label);
      const current = () => (spec.log ? Math.pow(10, +input.value) : +input.value);
      const text = (v) => (spec.percent ? (v * 100).toFixed(spec.digits) + " %"
        : spec.log ? String(+v.toPrecision(3)) : v.toFixed(spec.digits == null ? 2 : spec.digits));
      input.addEventListener("input", () => { show(text(current())); onChange(current()); });
      show(text(current()));
      return row;
    }
    if (spec.type === "checkbox") {
      input = el("input", { type: "checkbox", "data-control": spec.name }, label);
      input.checked = !!spec.value;
      input.addEventListener("change", () => onChange(input.checked));
      return row;
    }
    if (spec.type === "multi") {  // several options at once
      const chosen = new Set(spec.value);
      spec.options.forEach((option, i) => {
        const item = el("label", { class: "lrlib-check" }, row);
        const box = el("input", { type: "checkbox", "data-control": spec.name, "data-option": i }, item);
        box.checked = chosen.has(i);
        item.appendChild(document.createTextNode(option));
        box.addEventListener("change", () => {
          if (box.checked) chosen.add(i); else chosen.delete(i);
          onChange(Array.from(chosen).sort((a, b) => a - b));
        });
      });
      return row;
    }
    input = el("select", { "data-control": spec.name }, label);  // "select": one option of a list
    spec.options.forEach((option, i) => { el("option", { value: i }, input).textContent = option; });
    input.value = spec.value;
    input.addEventListener("change", () => onChange(+input.value));
    return row;
  }

  // ---- the views: from the controls' state (and embedded data) to panels and text -------------
  const VIEWS = {
    // Precomputed in Python for every combination of the (discrete) controls.
    lookup: (state, data) => data.views[data.keys.map((name) => state[name]).join("|")],
    notice: (state, data) => ({ html: data.html }),
    decay: decayView,
    cycles: cycleView,
    rangeTest: rangeTestView,
    suggestions: suggestionView,
    trajectories: trajectoryView,
    articleDecay: articleDecayView,
  };

  function compounding(initialRate, decay, epochs) {  // lrlib.article_code.make_time_decay, called once per epoch
    let rate = initialRate;
    return range(epochs).map((epoch) => { rate *= 1 / (1 + decay * epoch); return rate; });
  }

  function articleDecayView(state, data) {  // widgets.ArticleDecayExplorer
    const epochs = range(data.epochs), code = compounding(data.initial_rate, state.decay, data.epochs);
    const formula = values({ kind: "time_decay", initial_rate: data.initial_rate, decay_rate: state.decay,
      steps_per_epoch: 1 }, epochs);
    const kept = ((code[code.length - 1] / data.initial_rate) * 100).toFixed(2);
    return { panels: [{ title: `k = ${state.decay.toExponential(1)}: the article's code keeps ${kept}% of the rate`,
      xlabel: "epoch", ylabel: "learning rate", series: [
        { x: epochs, y: code, marker: 2.5, label: "the article's code (compounding)" },
        { x: epochs, y: formula, steps: true, label: "inverse-time formula" }] }] };
  }

  // ---- lrlib.trajectories: Keras's update rules (keras/src/optimizers), in float64 -------------
  const GRADIENTS = {
    quadratic: (p, c) => [c.curvatures[0] * p[0], c.curvatures[1] * p[1]],
    rosenbrock: (p) => [-2 * (1 - p[0]) - 400 * p[0] * (p[1] - p[0] * p[0]), 200 * (p[1] - p[0] * p[0])],
  };
  // Keras rounds what passes through ops.cast (a Python float becomes a float32 tensor first):
  // the learning rate, SGD's momentum, and the betas in Adam's, AdaMax's and Nadam's powers.
  const f32 = Math.fround;
  const UPDATES = {  // (state, gradient of one coordinate, rate, options, step t from 1) -> the move
    sgd: (s, g, lr, o) => {
      if (!o.momentum) return -lr * g;
      s.m = (s.m || 0) * f32(o.momentum) - g * lr;
      return o.nesterov ? s.m * f32(o.momentum) - g * lr : s.m;
    },
    rmsprop: (s, g, lr, o) => {
      s.v = o.rho * (s.v || 0) + (1 - o.rho) * g * g;
      const increment = (lr * g) / Math.sqrt(s.v + o.epsilon);
      if (!(o.momentum > 0)) return -increment;
      s.mom = o.momentum * (s.mom || 0) + increment;
      return -s.mom;
    },
    adagrad: (s, g, lr, o) => {
      s.a = (s.a == null ? o.initial_accumulator_value : s.a) + g * g;
      return -(lr * g) / Math.sqrt(s.a + o.epsilon);
    },
    adadelta: (s, g, lr, o) => {
      const rms = (x) => Math.sqrt(x + o.epsilon);
      s.g2 = o.rho * (s.g2 || 0) + (1 - o.rho) * g * g;
      const delta = -(rms(s.d2 || 0) * g) / rms(s.g2);
      s.d2 = o.rho * (s.d2 || 0) + (1 - o.rho) * delta * delta;
      return lr * delta;
    },
    adam: (s, g, lr, o, t) => {
      const alpha = lr * Math.sqrt(1 - Math.pow(f32(o.beta_2), t)) / (1 - Math.pow(f32(o.beta_1), t));
      s.m = (s.m || 0) + (g - (s.m || 0)) * (1 - o.beta_1);
      s.v = (s.v || 0) + (g * g - (s.v || 0)) * (1 - o.beta_2);
      return -(s.m * alpha) / (Math.sqrt(s.v) + o.epsilon);
    },
    adamax: (s, g, lr, o, t) => {
      s.m = (s.m || 0) + (g - (s.m || 0)) * (1 - o.beta_1);
      s.u = Math.max(o.beta_2 * (s.u || 0), Math.abs(g));
      return -(lr * s.m) / ((1 - Math.pow(f32(o.beta_1), t)) * (s.u + o.epsilon));
    },
    nadam: (s, g, lr, o, t) => {  // s.product: the product of u over the steps so far, this one included
      const beta1 = f32(o.beta_1), beta2 = f32(o.beta_2), u = (k) => beta1 * (1 - 0.5 * Math.pow(f32(0.96), k));
      s.m = (s.m || 0) + (g - (s.m || 0)) * (1 - beta1);
      s.v = (s.v || 0) + (g * g - (s.v || 0)) * (1 - beta2);
      const mHat = (u(t + 1) * s.m) / (1 - s.product * u(t + 1)) + ((1 - u(t)) * g) / (1 - s.product);
      const vHat = s.v / (1 - Math.pow(beta2, t));
      return -(mHat * lr) / (Math.sqrt(vHat) + o.epsilon);
    },
  };
  function trajectory(optimizer, options, rate, steps, problem) {
    rate = Math.fround(rate);  // Keras keeps the learning rate in a float32 variable
    const points = [problem.start.slice()], gradients = [], states = [{}, {}];
    let product = 1;
    for (let t = 1; t <= steps; t++) {
      const p = points[points.length - 1], g = GRADIENTS[problem.kind](p, problem);
      if (!g.every(Number.isFinite)) break;
      product *= options.beta_1 * (1 - 0.5 * Math.pow(0.96, t));  // Nadam's running product (others ignore it)
      const next = p.map((x, i) => {
        states[i].product = product;
        return x + UPDATES[optimizer](states[i], g[i], rate, options, t);
      });
      gradients.push(g);
      points.push(next);
      if (!next.every(Number.isFinite)) break;
    }
    return { points: points, gradients: gradients };
  }

  function trajectoryView(state, data) {  // widgets.TrajectoryExplorer
    const problem = data.problems[data.problem_names[state.problem]];
    const chosen = state.variants.map((i) => data.variant_names[i]);
    if (!chosen.length) return { text: "Choose at least one optimizer." };
    const paths = chosen.map((name) => {
      const [optimizer, options] = data.variants[name];
      return Object.assign({ name: name, color: `C${data.variant_names.indexOf(name) % 10}` },
        trajectory(optimizer, options, state.rate, state.steps, problem));
    });
    const distance = (p) => Math.hypot(p[0] - problem.minimum[0], p[1] - problem.minimum[1]);
    // Diverged: stopped early on a number too large to hold, or ended a million times farther than it started.
    const diverged = (path) => path.points.length <= state.steps || !(distance(path.points[path.points.length - 1])
      <= 1e6 * distance(problem.start));
    const left = { title: `${problem.name}, lr ${g3(state.rate)}`, xlabel: "x", ylabel: "y",
      xlim: problem.extent.slice(0, 2), ylim: problem.extent.slice(2), series: paths.map((path) => ({
        x: path.points.map((p) => p[0]), y: path.points.map((p) => p[1]), color: path.color, width: 1, marker: 1.5,
        diverged: diverged(path), label: diverged(path) ? `${path.name}: diverged (x marks where it left)`
          : `${path.name}: ends ${g3(distance(path.points[path.points.length - 1]))} from the minimum` })) };
    left.series.push({ x: [problem.start[0]], y: [problem.start[1]], color: "black", marker: 4, line: false, label: "start" },
      { x: [problem.minimum[0]], y: [problem.minimum[1]], color: "black", marker: 6, line: false, label: "minimum" });
    const ratio = (path, i) => path.gradients.map((g, k) => (g[i] !== 0
      ? Math.abs(path.points[k + 1][i] - path.points[k][i]) / Math.abs(g[i]) : NaN));
    const right = { title: "effective rate in each coordinate", xlabel: "step", ylabel: "|move| / |gradient|", ylog: true,
      series: paths.flatMap((path) => [0, 1].map((i) => ({ x: path.gradients.map((_, k) => k + 1), y: ratio(path, i),
        color: path.color, dash: i === 1, label: `${path.name}: ${i ? "y (steep)" : "x (flat)"}` }))) };
    return { panels: [left, right] };
  }

  const g3 = (v) => String(+v.toPrecision(3));
  const range = (n) => Array.from({ length: n }, (_, i) => i);

  function decayView(state, data) {  // widgets.DecayExplorer: one step per epoch
    const rate = state.initial_rate, epochs = data.epochs, perEpoch = { steps_per_epoch: 1 };
    const schedules = {
      linear: Object.assign({ kind: "linear_decay", initial_rate: rate, final_rate: rate * state.linear_final,
        decay_epochs: epochs - 1 }, perEpoch),
      step: Object.assign({ kind: "step_decay", initial_rate: rate, drop_factor: state.step_factor,
        epochs_per_drop: state.step_every }, perEpoch),
      time: Object.assign({ kind: "time_decay", initial_rate: rate, decay_rate: state.time_rate }, perEpoch),
      exponential: Object.assign({ kind: "exponential_decay", initial_rate: rate, decay_rate: state.exponential_rate },
        perEpoch),
    };
    const steps = range(epochs);
    return { panels: [{ title: `four decay schemes from ${rate.toExponential(1)}`, xlabel: "epoch",
      ylabel: "learning rate", ylog: state.log_scale,
      series: Object.entries(schedules).map(([label, config]) => ({ x: steps, y: values(config, steps), label: label,
        steps: true })) }] };
  }

  function cycleView(state, data) {  // widgets.CycleExplorer
    const policy = data.policies[state.policy], base = state.base_rate, peak = state.max_rate;
    const perEpoch = data.steps_per_epoch, total = state.epochs * perEpoch;
    if (!(base < peak)) {
      return { text: `Not a cycle: the base rate must lie below the max rate. Received: base_rate=${g3(base)}, `
        + `max_rate=${g3(peak)}` };
    }
    const defaults = data.defaults;  // lrlib's own, for what no control sets
    let rate, momentum;
    if (policy === "one_cycle") {
      const shape = { total_steps: Math.max(total, 3), warmup_fraction: state.warmup };
      rate = Object.assign({}, defaults.one_cycle, shape, { peak_rate: peak, start_divisor: peak / base });
      momentum = Object.assign({}, defaults.one_cycle_momentum, shape);
    } else {
      const stepSize = Math.max(roundHalfEven(state.step_epochs * perEpoch), 1);  // as Python's round
      rate = { kind: policy, base_rate: base, max_rate: peak, step_size: stepSize, gamma: state.gamma };
      momentum = Object.assign({}, defaults.cyclical_momentum, { step_size: stepSize });
    }
    const steps = range(total), epochs = steps.map((s) => s / perEpoch);
    return { panels: [{ title: `${policy} from ${g3(base)} to ${g3(peak)}`, xlabel: "epoch", ylabel: "learning rate",
      y2label: "SGD momentum (cycled against it)", series: [
        { x: epochs, y: values(rate, steps), color: "C0", label: "learning rate" },
        { x: epochs, y: values(momentum, steps), color: "C1", dash: true, axis: "y2", label: "SGD momentum" }] }] };
  }

  function suggestionsOf(test, beta, rules) {
    const smoothed = smooth(test.losses, beta), found = {};
    rules.forEach((rule) => {
      try { found[rule] = suggest(test.rates, smoothed, rule); } catch (error) { found[rule] = error.message; }
    });
    return [smoothed, found];
  }

  function rangeTestView(state, data) {  // widgets.RangeTestExplorer
    const test = data.tests[state.test], rule = data.rules[state.rule];
    const rules = rule === "all" ? data.rules.filter((r) => r !== "all") : [rule];
    const [smoothed, found] = suggestionsOf(test, state.beta, rules);
    const finite = test.losses.filter((l) => Number.isFinite(l));
    const vlines = rules.map((r) => ({ rule: r, x: found[r], color: `C${data.rules.indexOf(r)}` }))
      .filter((v) => typeof v.x === "number").map((v) => Object.assign(v, { label: `${v.rule}: ${v.x.toPrecision(2)}` }));
    return {
      panels: [{ title: test.label, xlabel: "learning rate (log scale)", ylabel: "training loss", xlog: true,
        ylim: [Math.min(...finite) * 0.9, Math.min(Math.max(...finite), 3 * finite[0]) * 1.05], vlines: vlines,
        series: [
          { x: test.rates, y: test.losses, color: "C0", opacity: 0.35, width: 1, label: "loss of each batch" },
          { x: test.rates, y: smoothed, color: "C0", width: 2.2, label: `smoothed (beta=${state.beta.toFixed(3)})` }] }],
      text: rules.map((r) => `${r}: ${typeof found[r] === "number" ? g3(found[r]) : found[r]}`).join("\n"),
    };
  }

  function suggestionView(state, data) {  // widgets.SuggestionExplorer
    const name = data.optimizers[state.optimizer], sweep = data.sweeps[name], rule = data.rules[state.rule];
    const rates = sweep.tests.map((test) => suggestionsOf(test, state.beta, [rule])[1][rule])
      .filter((r) => typeof r === "number");
    const trained = rule === data.trained_at[0] && Math.abs(state.beta - data.trained_at[1]) < 1e-9;
    const series = [{ x: sweep.rates, y: sweep.accuracies, color: "C0", marker: 3.5, label: "sweep" }];
    if (trained && sweep.suggested) {
      series.push({ x: [sweep.suggested[0]], y: [sweep.suggested[1]], color: "C3", marker: 7, line: false,
        label: `trained at the suggestion: ${sweep.suggested[1].toFixed(4)}` });
    }
    const [low, high] = sweep.band;
    return {
      panels: [{ title: `${name}: ${rule} suggestions (beta ${state.beta.toFixed(3)}) on the sweep`,
        xlabel: "learning rate (log scale)", ylabel: "test accuracy", xlog: true, ylim: [0, 1.05],
        spans: [low === high ? [low / 1.3, high * 1.3] : [low, high]], hlines: [{ y: 0.1 }], series: series,
        vlines: rates.map((r, i) => ({ x: r, color: "C3", short: true, label: i === 0 ? "range-test suggestions" : null })) }],
      text: rates.length ? `suggestions from ${g3(Math.min(...rates))} to ${g3(Math.max(...rates))} `
        + `(${Math.log10(Math.max(...rates) / Math.min(...rates)).toFixed(1)} decades)` : "no suggestion at this smoothing",
    };
  }

  function mount(root) {
    const spec = JSON.parse(root.querySelector("script[type='application/json']").textContent);
    const state = {};
    const controls = el("div", { class: "lrlib-controls" }, root);
    const output = el("div", { class: "lrlib-output", "aria-live": "polite" }, root);
    const draw = () => {
      output.textContent = "";
      let result;
      try {
        result = VIEWS[spec.view](state, spec.data);
      } catch (error) {
        result = { text: String(error.message || error) };
      }
      if (result.html) el("div", {}, output).innerHTML = result.html;
      (result.panels || []).forEach((p) => panel(el("div", { class: "lrlib-panel-box" }, output), p));
      if (result.text) el("pre", { class: "lrlib-text" }, output).textContent = result.text;
    };
    const rows = [];
    const showRelevant = () => rows.forEach(([c, row]) => {  // a control that changes nothing now is hidden
      row.style.display = !c.when || Object.entries(c.when).every(([k, allowed]) => allowed.includes(state[k])) ? "" : "none";
    });
    const changed = (c, v) => {
      rows.filter(([d]) => d.depends === c.name).forEach(([d, row]) => {
        const previous = row.label();
        state[c.name] = v;
        state[d.name] = row.refresh(previous);
      });
      state[c.name] = v;
      showRelevant();
      draw();
    };
    (spec.controls || []).forEach((c) => {
      state[c.name] = c.type === "range" ? (c.log ? Math.pow(10, c.position) : c.position) : c.value;
      rows.push([c, control(controls, c, state, (v) => changed(c, v))]);
    });
    showRelevant();
    draw();
    root.lrlibState = state;  // what the view draws from (the browser tests compare the readouts with it)
    root.setAttribute("data-ready", "true");
  }

  window.lrlibStatic = { value: value, values: values, smooth: smooth, suggest: suggest, descent: descent,
    KINDS: KINDS, VIEWS: VIEWS, trajectory: trajectory, compounding: compounding, mount: mount, panel: panel };
})();
