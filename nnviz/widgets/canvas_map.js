// The browser side of nnviz.widgets.CanvasMap (an anywidget ES module; no build step).
//
// Layers, bottom to top, all inside one plot box of `width` x `height` CSS pixels:
//   raster     a <canvas> of the image's own size (e.g. 100 x 100), scaled up by CSS (smooth, or
//              pixelated); redrawn from the `image` bytes (RGBA rows from the top) with
//              putImageData: no PNG, no Blob, no decode. Frames that arrive together (the page was
//              busy for a moment and the messages queued) are shown one per animation frame, in
//              order, from a small queue, so a burst still animates instead of jumping to its last
//              frame; a frame never waits there more than MAX_LAG_MS (older ones are skipped), so a
//              pause still shows at once.
//   points     the data points, drawn when `point_sets` / `points_visible` change (not per frame).
//   highlight  a subset of the points drawn larger (`highlight_state`), the others dimmed.
// and the axes (ticks and labels placed by Python, in pixels) around the box. Python does every
// data -> pixel mapping; this file only draws. A click sends its pixel position back to Python.
//
// Each drawn raster frame stamps `data-frame` on the raster canvas with the frame's `image_id`, so
// tests and benchmarks can watch frames reach the screen with a MutationObserver.

function bytesOf(value) {
  if (!value) return new Uint8Array(0);
  if (value instanceof DataView) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  return new Uint8Array(0);
}

function floatsOf(value) {
  const b = bytesOf(value);
  if (b.byteOffset % 4 === 0) return new Float32Array(b.buffer, b.byteOffset, b.byteLength >> 2);
  return new Float32Array(b.slice().buffer);
}

function uintsOf(value) {
  const b = bytesOf(value);
  if (b.byteOffset % 4 === 0) return new Uint32Array(b.buffer, b.byteOffset, b.byteLength >> 2);
  return new Uint32Array(b.slice().buffer);
}

function makeCanvas(cls) {
  const c = document.createElement("canvas");
  c.className = cls;
  c.style.position = "absolute";
  c.style.left = "0";
  c.style.top = "0";
  return c;
}

const QUEUE = 3;
const MAX_LAG_MS = 40;
const CAN_INFLATE = typeof DecompressionStream !== "undefined";

// The raster bytes as sent: raw, or zlib-deflated (inflated by the browser's own DecompressionStream).
async function inflate(value, encoding) {
  const bytes = bytesOf(value);
  if (encoding !== "deflate") return bytes;
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function render({ model, el }) {
  const root = document.createElement("div");
  root.className = "nnviz-map-root";
  root.style.position = "relative";
  const axes = makeCanvas("nnviz-map-axes");
  axes.style.pointerEvents = "none";
  const plot = document.createElement("div");
  plot.className = "nnviz-map-plot";
  plot.style.position = "absolute";
  plot.style.overflow = "hidden";
  plot.style.background = "#fff";
  const raster = makeCanvas("nnviz-map-raster");
  const points = makeCanvas("nnviz-map-points");
  const highlight = makeCanvas("nnviz-map-highlight");
  raster.width = 1;
  raster.height = 1;
  raster.dataset.frame = "0";
  plot.append(raster, points, highlight);
  root.append(axes, plot);
  el.append(root);
  const rasterCtx = raster.getContext("2d");

  let dirty = { image: false, points: true, highlight: true, layout: true };
  let scheduled = false;
  let alive = true;
  const frames = [];  // raster frames received, not yet drawn: {bytes, shape, id}
  const schedule = (what) => {
    if (what) dirty[what] = true;
    if (scheduled || !alive) return;
    scheduled = true;
    requestAnimationFrame(draw);
  };
  const current = () => ({
    bytes: model.get("image"), encoding: model.get("image_encoding"),
    shape: model.get("image_shape"), id: model.get("image_id"),
  });
  // deflated frames are inflated one after the other (a promise chain), so they reach the queue in
  // order; raw ones go straight in (through the chain only while inflating is under way)
  let decoding = Promise.resolve();
  let inflating = 0;
  const push = (frame) => {
    if (!alive) return;
    frame.t = performance.now();
    frames.push(frame);
    while (frames.length > QUEUE) frames.shift();
    schedule(null);
  };
  const enqueue = () => {
    const frame = current();
    if (!frame.id || !bytesOf(frame.bytes).byteLength) return;  // nothing sent yet
    if (frame.encoding === "deflate" && !CAN_INFLATE) {
      model.send({ event: "no-deflate" });  // Python sends the pixels raw from now on
      return;
    }
    if (frame.encoding !== "deflate" && inflating === 0) {
      frame.bytes = bytesOf(frame.bytes);
      push(frame);
      return;
    }
    inflating++;
    decoding = decoding.then(async () => {
      try {
        frame.bytes = await inflate(frame.bytes, frame.encoding);
        push(frame);
      } catch (error) {
        console.error("nnviz canvas map: a frame could not be inflated", error);
      } finally {
        inflating--;
      }
    });
  };

  const dpr = () => window.devicePixelRatio || 1;

  function layout() {
    const w = model.get("width"), h = model.get("height"), m = model.get("margin") || {};
    const top = m.top || 0, left = m.left || 0, right = m.right || 0, bottom = m.bottom || 0;
    root.style.width = `${left + w + right}px`;
    root.style.height = `${top + h + bottom}px`;
    plot.style.left = `${left}px`;
    plot.style.top = `${top}px`;
    plot.style.width = `${w}px`;
    plot.style.height = `${h}px`;
    plot.style.cursor = model.get("clickable") ? "crosshair" : "default";
    raster.style.width = `${w}px`;
    raster.style.height = `${h}px`;
    raster.style.imageRendering = model.get("pixelated") ? "pixelated" : "auto";
    const r = dpr();
    for (const c of [points, highlight]) {
      c.width = Math.round(w * r);
      c.height = Math.round(h * r);
      c.style.width = `${w}px`;
      c.style.height = `${h}px`;
    }
    axes.width = Math.round((left + w + right) * r);
    axes.height = Math.round((top + h + bottom) * r);
    axes.style.width = `${left + w + right}px`;
    axes.style.height = `${top + h + bottom}px`;
    drawAxes(left, top, w, h);
  }

  function drawAxes(left, top, w, h) {
    const ctx = axes.getContext("2d");
    const r = dpr();
    ctx.setTransform(r, 0, 0, r, 0, 0);
    ctx.clearRect(0, 0, axes.width, axes.height);
    const ticks = model.get("axes") || {};
    const style = model.get("axis_style") || {};
    ctx.strokeStyle = style.color || "#444";
    ctx.fillStyle = style.color || "#444";
    ctx.lineWidth = 1;
    ctx.font = style.font || "10px sans-serif";
    const xs = ticks.x || [], ys = ticks.y || [];
    if (xs.length) {
      ctx.beginPath();
      ctx.moveTo(left, top + h + 0.5);
      ctx.lineTo(left + w, top + h + 0.5);
      ctx.textAlign = "center";
      ctx.textBaseline = "top";
      for (const [px, label] of xs) {
        const x = Math.round(left + px) + 0.5;
        ctx.moveTo(x, top + h);
        ctx.lineTo(x, top + h + 5);
        ctx.fillText(label, x, top + h + 7);
      }
      ctx.stroke();
    }
    if (ys.length) {
      ctx.beginPath();
      ctx.moveTo(left - 0.5, top);
      ctx.lineTo(left - 0.5, top + h);
      ctx.textAlign = "right";
      ctx.textBaseline = "middle";
      for (const [py, label] of ys) {
        const y = Math.round(top + py) + 0.5;
        ctx.moveTo(left, y);
        ctx.lineTo(left - 5, y);
        ctx.fillText(label, left - 7, y);
      }
      ctx.stroke();
    }
  }

  function drawImage(frame) {
    const [h, w] = frame.shape || [0, 0];
    const bytes = frame.bytes;
    if (!h || !w || bytes.byteLength !== w * h * 4) return;
    if (raster.width !== w || raster.height !== h) {
      raster.width = w;
      raster.height = h;
    }
    const pixels = new Uint8ClampedArray(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    rasterCtx.putImageData(new ImageData(pixels, w, h), 0, 0);
    raster.dataset.frame = String(frame.id);
  }

  function dot(ctx, x, y, radius) {
    ctx.moveTo(x + radius, y);
    ctx.arc(x, y, radius, 0, 2 * Math.PI);
  }

  function drawPoints() {
    const ctx = points.getContext("2d");
    const r = dpr();
    ctx.setTransform(r, 0, 0, r, 0, 0);
    ctx.clearRect(0, 0, points.width, points.height);
    const visible = model.get("points_visible") || {};
    for (const set of model.get("point_sets") || []) {
      if (visible[set.name] === false) continue;
      const xs = floatsOf(set.x), ys = floatsOf(set.y), fill = bytesOf(set.fill);
      const n = Math.min(xs.length, ys.length, fill.length >> 2);
      const radius = set.radius || 3;
      ctx.lineWidth = set.stroke_width || 1;
      ctx.strokeStyle = set.stroke || "#fff";
      for (let i = 0; i < n; i++) {
        ctx.beginPath();
        dot(ctx, xs[i], ys[i], radius);
        ctx.fillStyle = `rgba(${fill[4 * i]},${fill[4 * i + 1]},${fill[4 * i + 2]},${fill[4 * i + 3] / 255})`;
        ctx.fill();
        if (set.stroke) ctx.stroke();
      }
    }
  }

  function drawHighlight() {
    const ctx = highlight.getContext("2d");
    const r = dpr();
    ctx.setTransform(r, 0, 0, r, 0, 0);
    ctx.clearRect(0, 0, highlight.width, highlight.height);
    const hl = model.get("highlight_state") || {};
    const sets = hl.sets || {};
    const any = Object.keys(sets).length > 0;
    points.style.opacity = any && hl.dim ? String(hl.dim) : "1";
    if (!any) return;
    const visible = model.get("points_visible") || {};
    ctx.lineWidth = hl.stroke_width || 2;
    ctx.strokeStyle = hl.stroke || "#222";
    for (const set of model.get("point_sets") || []) {
      if (!(set.name in sets) || visible[set.name] === false) continue;
      const xs = floatsOf(set.x), ys = floatsOf(set.y), fill = bytesOf(set.fill);
      const idx = uintsOf(sets[set.name]);
      const radius = (set.radius || 3) + (hl.grow || 1.5);
      for (let k = 0; k < idx.length; k++) {
        const i = idx[k];
        if (i >= xs.length) continue;
        ctx.beginPath();
        dot(ctx, xs[i], ys[i], radius);
        ctx.fillStyle = `rgba(${fill[4 * i]},${fill[4 * i + 1]},${fill[4 * i + 2]},${fill[4 * i + 3] / 255})`;
        ctx.fill();
        ctx.stroke();
      }
    }
  }

  function draw() {
    scheduled = false;
    if (!alive) return;
    const d = dirty;
    dirty = { image: false, points: false, highlight: false, layout: false };
    if (d.layout) layout();
    const now = performance.now();
    while (frames.length > 1 && now - frames[0].t > MAX_LAG_MS) frames.shift();  // late: skip to newer
    if (frames.length) drawImage(frames.shift());
    if (frames.length) schedule(null);  // the next queued frame on the next animation frame
    if (d.points || d.layout) drawPoints();
    if (d.highlight || d.points || d.layout) drawHighlight();
  }

  const handlers = {
    "change:image_id": enqueue,
    "change:point_sets change:points_visible": () => schedule("points"),
    "change:highlight_state": () => schedule("highlight"),
    "change:width change:height change:margin change:axes change:axis_style change:pixelated change:clickable":
      () => schedule("layout"),
  };
  const each = (f) => { for (const [events, fn] of Object.entries(handlers)) for (const e of events.split(" ")) f(e, fn); };
  each((e, fn) => model.on(e, fn));

  const onClick = (event) => {
    const box = plot.getBoundingClientRect();
    if (!box.width || !box.height) return;
    const w = model.get("width"), h = model.get("height");
    model.send({
      event: "click",
      px: (event.clientX - box.left) * (w / box.width),
      py: (event.clientY - box.top) * (h / box.height),
      button: event.button,
      shift: event.shiftKey,
      alt: event.altKey,
    });
  };
  plot.addEventListener("click", onClick);

  enqueue();  // the frame there already: a view made after the data arrived shows it
  draw();

  return () => {
    alive = false;
    plot.removeEventListener("click", onClick);
    each((e, fn) => model.off(e, fn));
  };
}

export default { render };
