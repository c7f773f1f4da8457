// The demo page: a .nnimg file (the sample, or one picked or dropped) in <nnimg-img>, at any
// zoom, with the decode time; and, when a `nnimg compare` report is served at compare/, nnimg
// beside JPEG, WebP and AVIF at the same bytes. Served by `npm run demo` (tools/serve-demo.mjs).
import '/web/element.js';
import { readHeader } from '/web/decoder.js';

const $ = (id) => document.getElementById(id);
const image = $('image');
const stage = $('stage');
const zoom = $('zoom');
let current = { name: 'coffee.nnimg', bytes: 0, url: '', width: 0, height: 0 };

const formatBytes = (n) => (n < 10000 ? `${n.toLocaleString('en')} B` : `${(n / 1024).toFixed(1)} KB`);

async function open(name, blob) {
  if (current.url) URL.revokeObjectURL(current.url);
  // The header gives the size to fit before the first render; a damaged file still goes to the
  // element, which shows its error state.
  let header = { width: 0, height: 0 };
  try {
    header = readHeader(await blob.arrayBuffer());
  } catch {}
  current = { name, bytes: blob.size, url: URL.createObjectURL(blob), width: header.width, height: header.height };
  $('stat-file').textContent = name;
  $('stat-bytes').textContent = formatBytes(blob.size);
  $('stat-native').textContent = header.width ? `${header.width} × ${header.height}` : '-';
  for (const id of ['stat-rendered', 'stat-time', 'stat-kernel']) $(id).textContent = '…';
  image.alt = name;
  zoomedToFit = true;
  applyZoom(fitScale());
  image.src = current.url;
}

// Zoom: a power of two from the slider; "fit" follows the stage's width.
let zoomedToFit = true;
function fitScale() {
  const { width: w, height: h } = current;
  if (!w) return 1;
  return Math.min((stage.clientWidth - 32) / w, (stage.clientHeight - 32) / h);
}
function applyZoom(scale) {
  if (!current.width) {
    image.style.width = '';
    return;
  }
  image.style.width = `${Math.max(1, Math.floor(current.width * scale + 1e-9))}px`;
  zoom.value = String(Math.log2(scale));
  $('zoom-value').textContent = `${Math.round(scale * 100)}%`;
}
zoom.addEventListener('input', () => {
  zoomedToFit = false;
  applyZoom(2 ** Number(zoom.value));
});
$('fit').addEventListener('click', () => {
  zoomedToFit = true;
  applyZoom(fitScale());
});
$('actual').addEventListener('click', () => {
  zoomedToFit = false;
  applyZoom(1);
});
new ResizeObserver(() => zoomedToFit && applyZoom(fitScale())).observe(stage);

image.addEventListener('load', (event) => {
  const { width, height, milliseconds, kernel } = event.detail;
  $('stat-rendered').textContent = `${width} × ${height}`;
  $('stat-time').textContent = `${milliseconds < 10 ? milliseconds.toFixed(1) : Math.round(milliseconds)} ms`;
  $('stat-kernel').textContent = kernel === 'wasm' ? 'WASM SIMD, worker' : `JS (${kernel}), worker`;
});
image.addEventListener('error', (event) => {
  $('stat-rendered').textContent = $('stat-kernel').textContent = '-';
  $('stat-time').textContent = `error: ${event.detail.message}`;
});

$('file').addEventListener('change', (event) => {
  const file = event.target.files[0];
  if (file) open(file.name, file);
});

// Drop anywhere.
let dragDepth = 0;
addEventListener('dragenter', (event) => {
  event.preventDefault();
  dragDepth++;
  $('drop').hidden = false;
});
addEventListener('dragleave', () => {
  if (--dragDepth <= 0) $('drop').hidden = true;
});
addEventListener('dragover', (event) => event.preventDefault());
addEventListener('drop', (event) => {
  event.preventDefault();
  dragDepth = 0;
  $('drop').hidden = true;
  const file = event.dataTransfer?.files[0];
  if (file) open(file.name, file);
});

// The sample.
fetch('coffee.nnimg')
  .then((response) => (response.ok ? response.blob() : Promise.reject(new Error(`coffee.nnimg: HTTP ${response.status}`))))
  .then((blob) => open('coffee.nnimg', blob))
  .catch((error) => ($('stat-time').textContent = String(error.message)));

// The comparison, when a report is served at compare/.
const LABELS = { nnimg: 'nnimg', jpeg: 'JPEG', webp: 'WebP', avif: 'AVIF', thumbhash: 'ThumbHash', blurhash: 'BlurHash' };
// Placeholders are strings of bytes no browser shows by itself: figures only.
const SHOWN = new Set(['nnimg', 'jpeg', 'webp', 'avif']);
async function comparison() {
  const response = await fetch('compare/report.json');
  if (!response.ok) return;
  const report = await response.json();
  const images = report.images.filter((i) => !i.error);
  const budgets = report.settings.budgets;
  if (!images.length || !budgets.length) return;
  const imageSelect = $('compare-image');
  const budgetSelect = $('compare-budget');
  imageSelect.append(...images.map((i) => new Option(i.name, i.name)));
  budgetSelect.append(...budgets.map((b) => new Option(formatBytes(b), String(b))));
  budgetSelect.value = String(budgets.includes(report.settings.viewBudget) ? report.settings.viewBudget : budgets[0]);
  const show = () => {
    const entry = images.find((i) => i.name === imageSelect.value);
    const budget = Number(budgetSelect.value);
    const panels = $('panels');
    panels.style.setProperty('--aspect', `${entry.width} / ${entry.height}`);
    panels.replaceChildren(
      ...report.settings.codecs.map((codec) => {
        const m = report.measurements.find((x) => x.image === entry.name && x.budget === budget && x.codec === codec);
        const point = m?.best;
        const figure = document.createElement('figure');
        const picture = document.createElement('div');
        picture.className = 'picture';
        if (point && SHOWN.has(codec)) {
          const element = document.createElement(codec === 'nnimg' ? 'nnimg-img' : 'img');
          element.setAttribute('src', `compare/${point.file}`);
          element.setAttribute('alt', `${entry.name}, ${LABELS[codec]} at ${budget} bytes`);
          picture.append(element);
        }
        const caption = document.createElement('figcaption');
        const name = document.createElement('b');
        name.textContent = LABELS[codec] ?? codec;
        const figures = document.createElement('span');
        figures.textContent = point
          ? `${formatBytes(point.bytes)} · ${point.psnr.toFixed(2)} dB${point.scale > 1 ? ` · 1/${point.scale} size` : ''}`
          : m?.status === 'does-not-fit' ? 'does not fit' : 'no result';
        caption.append(name, figures);
        figure.append(picture, caption);
        return figure;
      }),
    );
  };
  imageSelect.addEventListener('change', show);
  budgetSelect.addEventListener('change', show);
  show();
  $('compare').hidden = false;
}
comparison().catch(() => {});
