// The search page: upload a photo (or click a result for more like it), show the top-k grid and
// where the time went. Talks only to the JSON API; every error shows the API's one-line message.
// More-like-this has its own address (/?similar=<item id>), so it can be shared or bookmarked.
'use strict';

const $ = (id) => document.getElementById(id);
// what the grid answers: a picked photo, or a catalogue item (more like it)
const state = { file: null, item: null };

async function api(path, options) {
  const response = await fetch(path, options);
  const body = await response.json().catch(() => ({ error: 'bad_response', message: 'the service answered HTTP ' + response.status }));
  if (!response.ok) throw new Error(body.message || ('HTTP ' + response.status));
  return body;
}

function params() {
  const p = new URLSearchParams({ k: $('k').value || '12' });
  if ($('category').value) p.set('category', $('category').value);
  return p;
}

function status(text, isError) {
  $('status').textContent = text;
  $('status').className = isError ? 'error' : '';
}

function show(result, title) {
  const list = $('results');
  list.replaceChildren();
  for (const item of result.items) {
    const li = document.createElement('li');
    li.dataset.id = item.id;
    li.title = 'more like this';
    // one card per product, showing the photo of it that matched (a product may have several)
    const img = document.createElement('img');
    img.src = item.matched_image_url || item.image_url;
    img.alt = item.title || item.id;
    img.loading = 'lazy';
    const name = document.createElement('div');
    name.className = 'title';
    name.textContent = item.title || item.id;
    const meta = document.createElement('div');
    meta.className = 'meta';
    const price = document.createElement('span');
    price.className = 'price';
    price.textContent = item.price == null ? '' : item.price.toFixed(2);
    const score = document.createElement('span');
    score.className = 'score';
    score.textContent = item.score.toFixed(3);
    const category = document.createElement('span');
    category.className = 'category';
    category.textContent = item.category || '';
    meta.append(category, price, score);
    li.append(img, name, meta);
    if (item.images > 1) {
      const matched = document.createElement('div');
      matched.className = 'matched';
      matched.textContent = 'photo ' + (item.matched_image + 1) + ' of ' + item.images + ' matched';
      li.append(matched);
    }
    li.addEventListener('click', () => similar(item.id, item.title || item.id));
    list.append(li);
  }
  $('results-title').textContent = title + ' (' + result.items.length + ')';
  $('results-title').hidden = false;
  for (const cell of document.querySelectorAll('#timing td')) {
    const key = cell.dataset.t;
    cell.textContent = key === 'batch' ? result.batch_size : result.timing_ms[key].toFixed(1);
  }
  $('timing').hidden = false;
  status(result.items.length ? '' : 'no items match these filters');
}

/** Runs the current question again (after a filter changed). */
function rerun() {
  if (state.item) similar(state.item.id, state.item.title);
  else search();
}

function showPreview(src, caption) {
  const preview = $('preview');
  if (preview.src.startsWith('blob:')) URL.revokeObjectURL(preview.src);
  preview.src = src;
  preview.hidden = false;
  $('drop-text').textContent = caption;
}

async function search() {
  if (!state.file) return;
  status('searching…');
  const form = new FormData();
  form.append('image', state.file);
  try {
    const search = params();
    // only the photo search takes regions (more-like-this searches stored vectors)
    search.set('regions', $('regions').checked ? 'on' : 'off');
    show(await api('/v1/search?' + search, { method: 'POST', body: form }), 'Similar products');
  } catch (e) {
    status(e.message, true);
  }
}

async function similar(id, title) {
  state.item = { id, title };
  history.replaceState(null, '', '?similar=' + encodeURIComponent(id));
  showPreview('/v1/items/' + encodeURIComponent(id) + '/image', title);
  status('searching…');
  try {
    show(await api('/v1/items/' + encodeURIComponent(id) + '/similar?' + params()), 'More like ' + title);
  } catch (e) {
    status(e.message, true);
  }
}

function pick(file) {
  if (!file) return;
  state.file = file;
  state.item = null;
  history.replaceState(null, '', location.pathname);
  showPreview(URL.createObjectURL(file), file.name);
  search();
}

async function init() {
  try {
    const info = await api('/v1/info');
    $('bundle').textContent = info.items.toLocaleString() + ' items · bundle ' + info.version + ' · ' + info.model;
    for (const [name, count] of Object.entries(info.categories)) {
      const option = document.createElement('option');
      option.value = name;
      option.textContent = name + ' (' + count + ')';
      $('category').append(option);
    }
  } catch (e) {
    status(e.message, true);
  }
  $('file').addEventListener('change', (e) => pick(e.target.files[0]));
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => { e.preventDefault(); drop.classList.remove('over'); pick(e.dataTransfer.files[0]); });
  $('category').addEventListener('change', rerun);
  $('k').addEventListener('change', rerun);
  const linked = new URLSearchParams(location.search).get('similar');
  if (linked) {
    try {
      const item = await api('/v1/items/' + encodeURIComponent(linked));
      similar(item.id, item.title || item.id);
    } catch (e) {
      status(e.message, true);
    }
  }
}

init();
