// Fanout web UI script (docs/ui.md). Pages are rendered on the server; this script makes their live parts live over the
// same JSON API and SSE streams every client uses. No framework, no build step: one file served from the assembly.
'use strict';
(() => {
  const $ = (sel, root = document) => root.querySelector(sel);
  const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));
  const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));

  // The page's antiforgery token (rendered in the sign-out form): every state-changing API call made with the session carries it.
  const antiforgery = () => $('input[name="__RequestVerificationToken"]')?.value ?? '';

  async function api(method, url, body) {
    const headers = { Accept: 'application/json' };
    if (method !== 'GET') headers.RequestVerificationToken = antiforgery();
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
    if (res.status === 401) { location.href = '/signin?returnUrl=' + encodeURIComponent(location.pathname + location.search); }
    let json = null;
    const type = res.headers.get('content-type') || '';
    if (type.includes('json')) { try { json = await res.json(); } catch { json = null; } }
    return { ok: res.ok, status: res.status, json, headers: res.headers };
  }

  // Polite announcements, at most one every 5 s (progress must not chatter on every event).
  let lastAnnounce = 0; let pendingAnnounce = null;
  function announce(text, urgent) {
    const now = Date.now();
    const el = $('#announcer');
    if (!el) return;
    if (urgent || now - lastAnnounce > 5000) { el.textContent = text; lastAnnounce = now; pendingAnnounce = null; } else { pendingAnnounce = text; }
  }
  setInterval(() => { if (pendingAnnounce && Date.now() - lastAnnounce > 5000) announce(pendingAnnounce, true); }, 1000);

  const ICONS = { succeeded: '✅', complete: '✅', failed: '❌', 'timed-out': '❌', running: '🔄', queued: '⏳', pending: '⏳', cancelled: '⛔', interrupted: '⛔', 'not-run': '⏭', skipped: '⏭', 'awaiting-approval': '✋' };
  const icon = (s) => ICONS[s] ?? '•';
  const stateHtml = (s) => `<span class="state state-${esc(s)}"><span aria-hidden="true">${icon(s)}</span> ${esc(s)}</span>`;
  // The file name of an inventory source (its full path goes in a title), or the source spec itself (tmux:dev); UiFormat.FileName on the server.
  const fileName = (s) => (s ? s.split('/').pop() || s : '');
  function duration(ms) {
    if (ms == null || isNaN(ms)) return '';
    const s = Math.max(0, ms) / 1000;
    if (s < 10) return s.toFixed(1) + ' s';
    if (s < 60) return Math.floor(s) + ' s';
    if (s < 3600) return Math.floor(s / 60) + ' min ' + Math.floor(s % 60) + ' s';
    return Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' min';
  }
  const time = (iso) => iso ? new Date(iso).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC') : '';

  // An internal error's exception, in a 500 answered to an admin by a server started with --debug (docs/api.md "Errors"):
  // shown under the message, folded; replaces the one shown before at the same place.
  function showDebug(after, problem) {
    after.nextElementSibling?.classList.contains('debug') && after.nextElementSibling.remove();
    if (!problem?.exception) return;
    const d = document.createElement('details'); d.className = 'debug';
    d.innerHTML = `<summary>Stack trace (debug mode): ${esc(problem.exception.type)}</summary><pre tabindex="0" role="region" aria-label="Stack trace">${esc(problem.exception.stackTrace)}</pre>`;
    after.after(d);
  }

  // ---------- Workflow parameter forms (rendered on the server by ParameterForm.razor) ----------
  // The values of a parameter form, typed as its inputs say: an empty field is left out (the default applies, or the server
  // says it is required); a checkbox is always a boolean; a list is its comma-separated items.
  function parameterValues(root) {
    const out = {};
    for (const el of $$('[data-param]', root)) {
      const name = el.dataset.param; const type = el.dataset.type;
      if (el.type === 'checkbox') { out[name] = el.checked; continue; }
      const v = el.value;
      if (v.trim() === '') continue;
      if (type === 'boolean') out[name] = v === 'true';
      else if (type === 'number') { const n = Number(v); out[name] = Number.isFinite(n) ? n : v; }
      else if (type === 'list') out[name] = v.split(',').map((x) => x.trim()).filter(Boolean);
      else out[name] = v;
    }
    return out;
  }
  // Problems named `PREFIX.NAME` shown at parameter NAME's field, `PREFIX` at the form's own; returns the first invalid
  // control and the problems that are not about parameters.
  function parameterErrors(root, errors, prefix) {
    const slots = root ? $$('[data-param-error]', root) : [];
    slots.forEach((e) => { e.hidden = true; e.textContent = ''; });
    if (root) $$('[data-param][aria-invalid]', root).forEach((e) => e.removeAttribute('aria-invalid'));
    let first = null; const rest = {};
    for (const [key, messages] of Object.entries(errors ?? {})) {
      const name = key === prefix ? '' : key.startsWith(prefix + '.') ? key.slice(prefix.length + 1) : null;
      const el = name === null ? null : slots.find((e) => e.dataset.paramError === name) ?? slots.find((e) => e.dataset.paramError === '');
      if (!el) { rest[key] = messages; continue; }
      el.hidden = false; el.textContent += (el.textContent ? ' ' : '') + messages.join(' ');
      const input = name ? $$('[data-param]', root).find((i) => i.dataset.param === name) : null;
      if (input) input.setAttribute('aria-invalid', 'true');
      first ??= input ?? el;
    }
    return { first, rest };
  }

  // A table whose body shows only the rows in view (fixed row height), with spacer rows above and below: 10,000 rows cost
  // the DOM of ~40; a render that would produce the same rows leaves the DOM alone. getRow(i) returns the row or undefined (not loaded yet); ensure(from, to) loads what is missing.
  class VirtualTable {
    constructor(scroll, table, { rowHeight = 36, columns, getRow, renderRow, ensure }) {
      Object.assign(this, { scroll, table, rowHeight, columns, getRow, renderRow, ensure });
      this.tbody = table.tBodies[0];
      this.total = 0; this.frame = 0;
      scroll.addEventListener('scroll', () => this.schedule(), { passive: true });
      window.addEventListener('resize', () => this.schedule());
    }
    setTotal(n) { this.total = n; this.table.setAttribute('aria-rowcount', String(n + 1)); this.schedule(); }
    schedule() { if (!this.frame) this.frame = requestAnimationFrame(() => { this.frame = 0; this.render(); }); }
    render() {
      const head = this.table.tHead ? this.table.tHead.offsetHeight : 0;
      const view = this.scroll.clientHeight || 600;
      const top = Math.max(0, this.scroll.scrollTop - head);
      const first = Math.max(0, Math.floor(top / this.rowHeight) - 10);
      const last = Math.min(this.total, Math.ceil((top + view) / this.rowHeight) + 10);
      if (this.ensure) this.ensure(first, last);
      let html = `<tr class="spacer" aria-hidden="true"><td colspan="${this.columns}" style="height:${first * this.rowHeight}px"></td></tr>`;
      for (let i = first; i < last; i++) {
        const row = this.getRow(i);
        html += row ? this.renderRow(row, i).replace('<tr', `<tr aria-rowindex="${i + 2}"`) : `<tr aria-rowindex="${i + 2}" class="loading"><td colspan="${this.columns}">Loading…</td></tr>`;
      }
      html += `<tr class="spacer" aria-hidden="true"><td colspan="${this.columns}" style="height:${(this.total - last) * this.rowHeight}px"></td></tr>`;
      // Rows in view that did not change are not rebuilt (the DOM work, style and layout of a table cost far more than the string).
      if (html === this.html) return;
      this.html = html;
      // Keep keyboard focus on the same control across re-renders.
      const focused = document.activeElement && this.tbody.contains(document.activeElement) ? document.activeElement.dataset.target : null;
      this.tbody.innerHTML = html;
      if (focused) { const again = this.tbody.querySelector(`[data-target="${CSS.escape(focused)}"]`); if (again) again.focus(); }
    }
  }

  // ---------- Executions page ----------
  function executionsPage() {
    const table = $('#exec-table');
    if (!table) return;
    const pageSize = Number(table.dataset.pageSize) || 100;
    const filter = { kind: table.dataset.kind || '', state: table.dataset.state || '', type: table.dataset.type || '', q: (table.dataset.q || '').trim().toLowerCase() };
    const query = new URLSearchParams();
    for (const k of ['kind', 'state', 'type']) if (filter[k]) query.set(k, filter[k]);
    if (table.dataset.q) query.set('search', table.dataset.q);
    // `rows` is sparse: index = position in the list (newest first); pages are read as they come into view.
    const rows = []; const byId = new Map(); const loading = new Set();
    const FINAL = (s) => !['queued', 'running', 'awaiting-approval'].includes(s);
    const runDuration = (r) => (FINAL(r.state) ? r.durationMs : r.durationMs + (Date.now() - r.receivedAt));
    const vt = new VirtualTable($('#exec-scroll'), table, {
      columns: 8,
      getRow: (i) => rows[i],
      ensure: (from, to) => {
        for (let p = Math.floor(from / pageSize); p <= Math.floor(Math.max(from, to - 1) / pageSize); p++) {
          for (let i = p * pageSize; i < Math.min(vt.total, (p + 1) * pageSize); i++) if (rows[i] === undefined) { load(p); break; }
        }
      },
      renderRow: (r) => `<tr class="state-${esc(r.state)}" data-run="${esc(r.runId)}"><td><a href="/runs/${encodeURIComponent(r.runId)}">${esc(r.runId)}</a></td><td>${esc(r.kind)}</td>` +
        `<td class="name" title="${esc(r.name)}">${esc(r.name)}</td><td>${stateHtml(r.state)}</td><td>${r.done}/${r.total} targets</td>` +
        `<td>${esc(r.startedBy)}</td><td>${time(r.startedAt)}</td><td>${duration(runDuration(r))}</td></tr>`,
    });
    const setTotal = (n) => { vt.setTotal(n); $('#exec-summary').textContent = `${n} execution${n === 1 ? '' : 's'}`; };
    function put(i, r) {
      r.receivedAt = Date.now();
      const known = byId.get(r.runId);
      if (known) { Object.assign(known, r); return; }
      rows[i] = r; byId.set(r.runId, r);
    }
    async function load(p) {
      if (loading.has(p)) return;
      loading.add(p);
      try {
        const res = await api('GET', `/api/executions?${query}&page=${p + 1}&pageSize=${pageSize}`);
        if (res.ok) {
          res.json.runs.forEach((r, k) => put(p * pageSize + k, r));
          if (res.json.total !== vt.total) setTotal(res.json.total);
          if (p === 0) { ready = true; for (const r of early.splice(0)) onRun(r); }
          vt.schedule();
        }
      } finally { loading.delete(p); }
    }
    // Newest first, as the server sorts: by start, then id.
    const newer = (a, b) => a.startedAt > b.startedAt || (a.startedAt === b.startedAt && a.runId > b.runId);
    // Execution type as GET /api/executions?type= says it (ExecutionList.IsOfType): single = at most one target, batch = several.
    const ofType = (r) => !filter.type || (filter.type === 'single' ? r.total <= 1 : r.total > 1);
    const matches = (r) => (!filter.kind || r.kind === filter.kind) && (!filter.state || r.state === filter.state) && ofType(r) &&
      (!filter.q || [r.name, r.runId, r.startedBy].some((v) => String(v ?? '').toLowerCase().includes(filter.q)));
    // One item of the pushed list: a run shown is updated in place; a run newer than the first row (a new one) that matches
    // the filters goes on top; anything else is not in view and is read fresh when its page is.
    let ready = false; const early = [];
    const added = [];
    function onRun(r) {
      if (!ready) { early.push(r); return; }
      const known = byId.get(r.runId);
      if (known) { r.receivedAt = Date.now(); Object.assign(known, r); return; }
      const top = rows[0];
      if ((!top || newer(r, top)) && matches(r)) added.push(r);
    }
    function applyAdded() {
      if (!added.length) return;
      added.sort((a, b) => (newer(a, b) ? -1 : 1));
      for (const r of added) { r.receivedAt = Date.now(); byId.set(r.runId, r); }
      rows.unshift(...added);
      setTotal(vt.total + added.length);
      added.length = 0;
    }
    vt.total = Number(table.dataset.total) || 0;
    load(0);
    // Live: the list is pushed (GET /api/executions/events, coalesced by the server to one event a second at most) —
    // new runs appear on top and progress moves without reading the list again. Running durations tick every second.
    const source = new EventSource('/api/executions/events');
    source.addEventListener('runs', (e) => {
      let data; try { data = JSON.parse(e.data); } catch { return; }
      for (const r of data.runs ?? []) onRun(r);
      applyAdded();
      vt.schedule();
    });
    setInterval(() => { if (!document.hidden) vt.schedule(); }, 1000);
  }

  // Rows of a paged JSON list (GET …?page=&pageSize=) for a VirtualTable: each page is read once, when it comes into view;
  // reset(query) starts over with other filters (answers to reads of the old query are dropped).
  function pagedRows(url, key, pageSize, onTotal) {
    let query = ''; let generation = 0; const pages = new Map(); const loading = new Set();
    async function load(p) {
      if (loading.has(p)) return;
      loading.add(p);
      const gen = generation;
      try {
        const res = await api('GET', `${url}?${query}${query ? '&' : ''}page=${p + 1}&pageSize=${pageSize}`);
        if (res.ok && gen === generation) { pages.set(p, res.json[key]); onTotal(res.json.total, p); }
      } finally { loading.delete(p); }
    }
    return {
      getRow: (i) => pages.get(Math.floor(i / pageSize))?.[i % pageSize],
      ensure: (from, to) => { for (let p = Math.floor(from / pageSize); p <= Math.floor(Math.max(from, to - 1) / pageSize); p++) if (!pages.has(p)) load(p); },
      reset(q) { query = String(q); generation++; pages.clear(); loading.clear(); return load(0); },
    };
  }

  // ---------- Inventory page ----------
  // The nodes table is virtualised like the executions list: pages of GET /api/inventory/nodes with the page's filters.
  function inventoryPage() {
    const table = $('#inv-table');
    if (!table) return;
    const query = new URLSearchParams();
    for (const [k, p] of [['q', 'search'], ['tag', 'tag'], ['group', 'group'], ['transport', 'transport'], ['source', 'source']]) if (table.dataset[k]) query.set(p, table.dataset[k]);
    const rows = pagedRows('/api/inventory/nodes', 'nodes', Number(table.dataset.pageSize) || 100, (total) => { if (total !== vt.total) vt.setTotal(total); vt.schedule(); });
    const vt = new VirtualTable($('#inv-scroll'), table, {
      columns: 6, getRow: rows.getRow, ensure: rows.ensure,
      renderRow: (n) => `<tr><td>${esc(n.name)}</td><td>${esc(n.host ?? n.name)}</td><td>${esc(n.transport)}</td><td>${esc(n.groups.join(', '))}</td>` +
        `<td>${esc(Object.entries(n.tags).map(([k, v]) => `${k}=${v}`).join(', '))}</td><td class="name" title="${esc(n.source ?? '')}">${esc(fileName(n.source))}</td></tr>`,
    });
    vt.total = Number(table.dataset.total) || 0;
    rows.reset(query);
  }

  // ---------- New execution dialog ----------
  function newExecutionDialog() {
    const dialog = $('#new-exec');
    const opener = $('#new-execution');
    if (!dialog || !opener) return;
    const selectedNodes = new Set(); const selectedGroups = new Set();
    let groups = []; let groupMembers = new Map(); let loaded = false; let confirmed = false;
    const field = (id) => $('#' + id);
    opener.addEventListener('click', async () => {
      dialog.showModal();
      field('target-search').focus();
      if (!loaded) { loaded = true; await Promise.all([loadGroups(), loadFacets(), loadWorkflows(), searchNodes()]); }
    });
    $$('[data-close]', dialog).forEach((b) => b.addEventListener('click', () => dialog.close()));
    dialog.addEventListener('close', () => opener.focus());

    async function loadGroups() {
      const res = await api('GET', '/api/inventory/groups?pageSize=1000');
      groups = res.ok ? res.json.groups : [];
      const byName = new Map(groups.map((g) => [g.name, g]));
      const members = (name, seen = new Set()) => {
        if (seen.has(name)) return [];
        seen.add(name);
        const g = byName.get(name);
        return g ? [...g.targets, ...g.children.flatMap((c) => members(c, seen))] : [];
      };
      groupMembers = new Map(groups.map((g) => [g.name, new Set(members(g.name))]));
      field('group-list').innerHTML = groups.map((g, i) =>
        `<div class="check"><input type="checkbox" id="g-${i}" value="${esc(g.name)}"><label for="g-${i}">${esc(g.name)}</label> <span class="note">(${g.targetCount} targets)</span></div>`).join('') || '<p class="note">No groups.</p>';
      $$('input', field('group-list')).forEach((cb) => cb.addEventListener('change', () => { cb.checked ? selectedGroups.add(cb.value) : selectedGroups.delete(cb.value); update(); }));
    }
    // The node filters' choices with their counts (GET /api/inventory/facets).
    async function loadFacets() {
      const res = await api('GET', '/api/inventory/facets');
      if (!res.ok) return;
      for (const [id, facet, all] of [['target-group', 'groups', 'All groups'], ['target-transport', 'transports', 'All transports'], ['target-source', 'sources', 'All sources']]) {
        field(id).innerHTML = `<option value="">${all}</option>` +
          Object.entries(res.json[facet]).map(([k, n]) => `<option value="${esc(k)}">${esc(id === 'target-source' ? fileName(k) : k)} (${n})</option>`).join('');
      }
    }
    async function loadWorkflows() {
      const res = await api('GET', '/api/workflows');
      const list = res.ok ? (res.json.workflows ?? []) : [];
      field('workflow').innerHTML = list.map((w) => `<option value="${esc(w.file)}">${esc(w.name ?? w.file)}${w.valid === false ? ' (invalid)' : ''}</option>`).join('');
      await loadParameterForm();
    }
    // The chosen workflow's parameter form, rendered by the server (the same component as on the Workflows page).
    let formSeq = 0;
    async function loadParameterForm() {
      const seq = ++formSeq; const box = field('wf-params'); const file = field('workflow').value;
      if (!file) { box.innerHTML = ''; return; }
      const res = await fetch(`/ui/workflows/${encodeURIComponent(file)}/parameters`, { credentials: 'same-origin' });
      if (seq !== formSeq) return;
      box.innerHTML = res.ok ? await res.text() : `<p class="field-error">The parameters of ${esc(file)} could not be read (${res.status}).</p>`;
      box.dataset.file = file;
    }
    field('workflow').addEventListener('change', loadParameterForm);
    let searchTimer = 0;
    const nodeQuery = () => {
      const q = new URLSearchParams();
      if (field('target-search').value.trim()) q.set('search', field('target-search').value.trim());
      if (field('target-tag').value.trim()) q.set('tag', field('target-tag').value.trim());
      for (const [id, p] of [['target-group', 'group'], ['target-transport', 'transport'], ['target-source', 'source']]) if (field(id).value) q.set(p, field(id).value);
      return q;
    };
    // The matching nodes, virtualised (a fixed row height, the rows in view only) and read page by page as they come into
    // view, like the Inventory page: a 10,000-node inventory scrolls, and each node is a checkbox named by the node.
    const nodeRows = pagedRows('/api/inventory/nodes', 'nodes', 200, (total, p) => {
      if (p === 0) {
        if (total !== nodeTable.total) nodeTable.setTotal(total);
        field('node-note').textContent = total === 0 ? 'No node matches.' : `${total} matching node${total === 1 ? '' : 's'}.`;
      }
      nodeTable.schedule();
    });
    const nodeTable = new VirtualTable(field('node-scroll'), field('node-list'), {
      columns: 1, getRow: nodeRows.getRow, ensure: nodeRows.ensure,
      renderRow: (n, i) => `<tr><td><div class="check"><input type="checkbox" id="n-${i}" value="${esc(n.name)}" data-target="${esc(n.name)}"${selectedNodes.has(n.name) ? ' checked' : ''}>` +
        `<label for="n-${i}">${esc(n.name)}</label></div></td></tr>`,
    });
    field('node-list').tBodies[0].addEventListener('change', (e) => {
      const cb = e.target.closest('input[type=checkbox]');
      if (!cb) return;
      cb.checked ? selectedNodes.add(cb.value) : selectedNodes.delete(cb.value);
      update();
    });
    const redrawNodes = () => { nodeTable.html = null; nodeTable.schedule(); };
    function searchNodes() {
      field('node-scroll').scrollTop = 0;
      return nodeRows.reset(nodeQuery());
    }
    const debounced = () => { clearTimeout(searchTimer); searchTimer = setTimeout(searchNodes, 300); };
    field('target-search').addEventListener('input', debounced);
    field('target-tag').addEventListener('input', debounced);
    ['target-group', 'target-transport', 'target-source'].forEach((id) => field(id).addEventListener('change', searchNodes));
    field('select-all').addEventListener('click', async () => {
      for (let page = 1; ; page++) {
        const res = await api('GET', `/api/inventory/nodes?${nodeQuery()}&page=${page}&pageSize=1000`);
        if (!res.ok) break;
        res.json.nodes.forEach((n) => selectedNodes.add(n.name));
        if (page * 1000 >= res.json.total) break;
      }
      redrawNodes();
      update();
    });
    field('clear-selection').addEventListener('click', () => {
      selectedNodes.clear(); selectedGroups.clear();
      $$('input[type=checkbox]', dialog).forEach((cb) => { cb.checked = false; });
      redrawNodes();
      update();
    });
    const actionType = () => field('action-type').value;
    field('action-type').addEventListener('change', () => {
      $$('[data-action]', dialog).forEach((el) => { el.hidden = el.dataset.action !== actionType(); });
      update();
    });
    field('batch-size').addEventListener('change', () => { field('batch-custom').hidden = field('batch-size').value !== 'custom'; if (!field('batch-custom').hidden) field('batch-custom').focus(); update(); });
    for (const id of ['command', 'commands', 'script', 'batch-custom', 'parallel', 'timeout', 'retries', 'workflow', 'task', 'failure-policy']) field(id).addEventListener('input', update);
    field('failure-policy').addEventListener('change', () => { field('rollback-field').hidden = field('failure-policy').value !== 'atomic'; });

    function targets() {
      const all = new Set(selectedNodes);
      for (const g of selectedGroups) for (const t of groupMembers.get(g) ?? []) all.add(t);
      return all;
    }
    // SPEC X3 wave planning, as Fanout.Execution.WavePlanner does it: N, N% (of all, at least 1), a list whose last entry repeats; 0 = the rest.
    function waves(spec, total) {
      if (total === 0) return 0;
      if (!spec || spec === '0') return 1;
      const sizes = String(spec).split(',').map((s) => s.trim()).filter(Boolean);
      if (sizes.some((s) => !/^\d+%?$/.test(s))) return null;
      let done = 0, entry = 0, count = 0;
      while (done < total) {
        const s = sizes[Math.min(entry++, sizes.length - 1)];
        let n = s.endsWith('%') ? Math.max(1, Math.floor(parseInt(s, 10) * total / 100)) : parseInt(s, 10);
        if (n <= 0) n = total - done;
        done = Math.min(total, done + n); count++;
      }
      return count;
    }
    const batchSpec = () => field('batch-size').value === 'custom' ? field('batch-custom').value.trim() : field('batch-size').value;
    const commandLines = () => field('commands').value.split('\n').map((l) => l.trim()).filter(Boolean);
    const actionValue = () => ({ command: field('command').value.trim(), commands: commandLines().join('\n'), script: field('script').value, workflow: field('workflow').value, task: field('task').value })[actionType()];
    function update() {
      confirmed = false; field('confirm').hidden = true;
      const n = targets().size;
      field('target-count').textContent = `${n} target${n === 1 ? '' : 's'} selected`;
      const k = waves(batchSpec(), n);
      field('estimated-batches').textContent = k === null ? 'Estimated batches: – (batch size not understood)' : `Estimated batches: ${k}`;
      const needsTargets = actionType() !== 'workflow';
      field('run').disabled = !(actionValue() && (!needsTargets || n > 0));
    }

    // The options the API names in its problems (options.X), each with its input and its error slot err-X.
    const OPTION_INPUTS = { batchWait: 'batch-wait', failurePolicy: 'failure-policy', rollback: 'rollback', maxFailPercent: 'max-fail-percent', overallTimeout: 'overall-timeout', retryDelay: 'retry-delay', retryOnExitCodes: 'retry-on-exit-codes' };
    const ERROR_FIELDS = { 'action.parameters.args': 'err-args', 'action.value': 'err-action', 'action.type': 'err-action', 'action': 'err-action', 'options.parallel': 'err-parallel', 'options.batchSize': 'err-batch', 'options.timeout': 'err-timeout', targetNodeIds: 'err-targets', targetGroupIds: 'err-targets', '': 'err-targets',
      ...Object.fromEntries(Object.keys(OPTION_INPUTS).map((k) => [`options.${k}`, `err-${k}`])) };
    function showErrors(problem, status) {
      $$('.field-error', dialog).forEach((e) => { e.hidden = true; e.textContent = ''; });
      $$('[aria-invalid]', dialog).forEach((e) => e.removeAttribute('aria-invalid'));
      const all = problem?.errors ?? {};
      const params = parameterErrors(actionType() === 'workflow' ? field('wf-params') : null, all, 'action.parameters');
      const errors = params.rest;
      let first = params.first;
      for (const [key, messages] of Object.entries(errors)) {
        const id = ERROR_FIELDS[key] ?? (key.startsWith('action.commands') ? 'err-action' : 'err-form');
        const el = field(id);
        el.hidden = false; el.textContent += (el.textContent ? ' ' : '') + messages.join(' ');
        const input = { 'err-action': field(actionType() === 'task' ? 'task' : actionType()), 'err-parallel': field('parallel'), 'err-batch': field('batch-size'), 'err-timeout': field('timeout'),
          ...Object.fromEntries(Object.entries(OPTION_INPUTS).map(([k, v]) => [`err-${k}`, field(v)])) }[id];
        if (input) input.setAttribute('aria-invalid', 'true');
        if (input?.closest('details')) input.closest('details').open = true;
        first ??= input ?? el;
      }
      if (!Object.keys(all).length) {
        const el = field('err-form'); el.hidden = false; el.textContent = problem?.detail ?? `The server answered ${status}.`; first = el;
      }
      showDebug(field('err-form'), problem);
      first?.focus?.();
    }
    const DESTRUCTIVE = /\b(rm\s+-[a-z]*[rf]|mkfs|dd\s+if=|shutdown|reboot|halt|poweroff|drop\s+(table|database)|truncate|kill\s+-9)\b/i;
    async function submit() {
      const type = actionType();
      const n = targets().size;
      const value = actionValue();
      if (!confirmed && (n >= 100 || (type !== 'workflow' && DESTRUCTIVE.test(value)) || (type === 'task' && value !== 'status'))) {
        field('confirm-text').textContent = `Run ${type} “${value}” on ${n} target${n === 1 ? '' : 's'}${DESTRUCTIVE.test(value) ? ' — this looks destructive' : ''}?`;
        field('confirm').hidden = false; field('confirm-run').focus();
        return;
      }
      let body;
      if (type === 'workflow') {
        body = { action: { type, value, parameters: parameterValues(field('wf-params')) } };
      } else {
        const options = { parallel: Number(field('parallel').value), retries: Number(field('retries').value), failurePolicy: field('failure-policy').value };
        const timeout = field('timeout').value.trim();
        if (timeout) options.timeout = /^\d+$/.test(timeout) ? Number(timeout) : timeout;
        const spec = batchSpec();
        if (spec && spec !== '0') options.batchSize = /^\d+$/.test(spec) ? Number(spec) : spec;
        // Durations go as seconds when they are a plain number, else as the text the API parses ("30s", "5m"); an empty field is left out (the default).
        const duration = (id) => { const v = field(id).value.trim(); return v === '' ? undefined : /^\d+(\.\d+)?$/.test(v) ? Number(v) : v; };
        const set = (key, value) => { if (value !== undefined && value !== '') options[key] = value; };
        set('batchWait', duration('batch-wait'));
        set('overallTimeout', duration('overall-timeout'));
        set('retryDelay', duration('retry-delay'));
        if (field('max-fail-percent').value.trim() !== '') options.maxFailPercent = Number(field('max-fail-percent').value);
        if (field('backoff').value !== 'fixed') options.backoff = field('backoff').value;
        if (field('jitter').checked) options.jitter = true;
        const codes = field('retry-on-exit-codes').value.trim();
        if (codes) options.retryOnExitCodes = codes.split(/[\s,]+/).filter(Boolean).map((c) => (/^\d+$/.test(c) ? Number(c) : -1));
        if (options.failurePolicy === 'atomic' && field('rollback').value.trim()) options.rollback = field('rollback').value.trim();
        const action = type === 'commands' ? { type, commands: commandLines() } : { type, value };
        const args = field('script-args').value.split(',').map((a) => a.trim()).filter(Boolean);
        if (type === 'script' && args.length) action.parameters = { args };
        body = { targetNodeIds: [...selectedNodes], targetGroupIds: [...selectedGroups], action, options };
      }
      field('run').disabled = true;
      const res = await api('POST', '/api/executions/batch', body);
      if (res.status === 201) { location.href = '/runs/' + encodeURIComponent(res.json.batchId); return; }
      update();
      showErrors(res.json, res.status);
    }
    field('new-exec-form').addEventListener('submit', (e) => { e.preventDefault(); if (!field('run').disabled) submit(); });
    field('confirm-run').addEventListener('click', () => { confirmed = true; field('confirm').hidden = true; submit(); });
    field('confirm-back').addEventListener('click', () => { field('confirm').hidden = true; field('run').focus(); });
    update();
  }

  // ---------- Run page ----------
  function runPage() {
    const section = $('#run');
    if (!section) return;
    const id = section.dataset.run;
    const started = Number(section.dataset.started) || Date.now();
    let ended = Number(section.dataset.ended) || 0;
    let status = section.dataset.status;
    // Every number the page shows is kept up to date as rows change (setRow), never recounted over all rows: at 10,000
    // targets a render costs the same as at 10. `tally` = targets per state, `waveTally` = per batch, `buckets` = the
    // timeline's aggregated rows (consecutive targets, at most 60 rows).
    const rows = []; const byName = new Map();
    const tally = {}; const waveTally = new Map();
    let buckets = []; let per = 1;
    let view = rows; let dirty = true; let viewDirty = true; let lastView = 0;
    const FINAL = new Set(['succeeded', 'failed', 'timed-out', 'cancelled', 'not-run', 'skipped', 'unreachable']);
    const vt = new VirtualTable($('#targets-scroll'), $('#targets'), {
      columns: 7,
      getRow: (i) => view[i],
      renderRow: (r) => `<tr class="state-${esc(r.state)}"><td><button type="button" class="link expand" aria-expanded="false" data-target="${esc(r.nodeId)}">${esc(r.nodeId)}</button></td>` +
        `<td>${stateHtml(r.state)}</td><td>${r.exitCode ?? ''}</td><td>${duration(r.durationMs)}</td><td>${r.attempts ?? 0}</td><td>${r.wave ?? ''}</td>` +
        `<td class="err">${esc(firstLine(r.error || r.stderr))}</td></tr>`,
    });
    const firstLine = (t) => (t ? String(t).split('\n')[0] : '');

    const waveKind = (s) => (s === 'queued' ? 'queued' : s === 'running' ? 'running' : s === 'succeeded' || s === 'skipped' ? 'ok' : s === 'not-run' ? 'notRun' : 'bad');
    const isBad = (s) => !['succeeded', 'skipped', 'running', 'queued'].includes(s);
    const startOf = (r) => (r.startedAt ? Date.parse(r.startedAt) : r.startedAtMs);
    // Adds (sign 1) or removes (sign -1) a row's share of the tallies.
    function count(r, sign) {
      tally[r.state] = (tally[r.state] ?? 0) + sign;
      const k = r.wave || 1;
      let w = waveTally.get(k);
      if (!w) waveTally.set(k, w = { total: 0, queued: 0, running: 0, ok: 0, bad: 0, notRun: 0 });
      w.total += sign; w[waveKind(r.state)] += sign;
      if (sign > 0) {
        // A batch's start and end only ever move out (earliest start, latest end), like the timeline's rows.
        const s = startOf(r);
        if (s) { w.s = Math.min(w.s ?? Infinity, s); if (FINAL.has(r.state) && r.durationMs != null) w.e = Math.max(w.e ?? -Infinity, s + r.durationMs); }
      }
      const b = buckets[Math.floor(r.order / per)];
      if (b) {
        if (r.state === 'running') b.running += sign;
        if (isBad(r.state)) b.bad += sign;
        if (sign > 0) {
          const s = startOf(r);
          if (s) { b.s = Math.min(b.s, s); if (r.state !== 'running' && r.durationMs != null) b.e = Math.max(b.e, s + r.durationMs); }
          if (b.wave == null) b.wave = r.wave || 1;
        }
      }
    }
    function setRow(r, changes) { count(r, -1); Object.assign(r, changes); count(r, 1); }
    function addRow(e) {
      const r = Object.assign(e, { order: rows.length });
      byName.set(r.nodeId, rows.length); rows.push(r); count(r, 1);
    }
    function layoutBuckets(total) {
      per = Math.max(1, Math.ceil(total / 60));
      buckets = Array.from({ length: Math.ceil(total / per) }, () => ({ s: Infinity, e: -Infinity, running: 0, bad: 0, wave: null }));
    }

    // The status document, page by page (1,000 rows each, the page yielding between them). The first read adds the rows,
    // later reads (at the end of the run) update them in place, so the counts never drop in between.
    let loaded = false;
    async function loadAll() {
      for (let page = 1; ; page++) {
        const res = await api('GET', `/api/executions/batch/${encodeURIComponent(id)}?page=${page}&pageSize=1000`);
        if (!res.ok) return null;
        const doc = res.json;
        if (page === 1 && !buckets.length) layoutBuckets(doc.total);
        for (const e of doc.executions) {
          const r = row(e.nodeId);
          if (r) setRow(r, e); else addRow(e);
        }
        dirty = viewDirty = true;
        if (page * 1000 >= doc.total) { status = doc.status; return doc; }
      }
    }
    const row = (name) => rows[byName.get(name)];
    function onEvent(name, data) {
      if (name === 'target-started') {
        // Events replayed from before the rows were read must not take a finished target back to running.
        const r = row(data.target);
        if (r && !(FINAL.has(r.state) && (r.attempts ?? 0) >= (data.attempt ?? 1))) setRow(r, { state: 'running', attempts: data.attempt, startedAtMs: (data.timestamp && Date.parse(data.timestamp)) || Date.now(), wave: data.wave || r.wave });
      } else if (name === 'target-finished') {
        const r = row(data.target);
        if (r) setRow(r, { state: data.state, exitCode: data.exitCode, attempts: data.attempts, durationMs: data.durationMs, error: data.error, wave: data.wave || r.wave });
      } else if (name === 'batch-finished') {
        finish();
      }
      dirty = viewDirty = true;
    }
    // Before the rows are read, the stream's progress events alone move the bar and the counts (the latest one, at the next render).
    let latestProgress = null;
    function showProgress(p) {
      const pct = p.progress ?? (p.total ? Math.round(1000 * p.completed / p.total) / 10 : 0);
      progressBar(pct, p.completed, p.total);
      for (const [k, v] of Object.entries({ succeeded: p.succeeded, failed: p.failed, 'timed-out': p.timedOut, cancelled: p.cancelled, 'not-run': p.notRun, skipped: p.skipped, unreachable: p.unreachable })) {
        const el = $(`[data-count="${k}"]`); if (el && v != null) el.textContent = String(v);
      }
    }
    function progressBar(pct, done, total) {
      const bar = $('#progress');
      bar.setAttribute('aria-valuenow', String(pct)); bar.setAttribute('aria-valuetext', `${pct}% (${done} of ${total} targets)`);
      $('.fill', bar).style.width = pct + '%';
      $('#progress-text').textContent = `${pct}% · ${done}/${total} targets`;
    }
    let finishing = false;
    async function finish(known) {
      if (finishing) return;
      finishing = true;
      // The end event can arrive a moment before the status document says the run ended: ask (one row) until it does, then read it all.
      let doc = known;
      if (!doc) {
        for (let i = 0; i < 40; i++) {
          const res = await api('GET', `/api/executions/batch/${encodeURIComponent(id)}?page=1&pageSize=1`);
          if (!res.ok || !(res.json.status === 'running' || res.json.status === 'queued')) break;
          await new Promise((r) => setTimeout(r, 250));
        }
        doc = await loadAll();
      }
      status = doc?.status ?? status; ended = ended || Date.now();
      // Live, a batch's start came from the stream's events; once ended, each batch shows the status document's own times.
      for (const d of doc?.waves ?? []) {
        const w = waveTally.get(d.wave);
        if (w && d.startedAt) { w.s = Date.parse(d.startedAt); w.e = d.durationMs != null ? w.s + d.durationMs : w.e; }
      }
      dirty = viewDirty = true;
      const el = $('#summary'); el.hidden = false;
      const c = doc?.counts ?? {};
      const bad = (c.failed ?? 0) + (c.timedOut ?? 0) + (c.cancelled ?? 0) + (c.notRun ?? 0);
      el.className = 'summary-box ' + (bad ? 'warn' : 'ok');
      el.textContent = bad ? `⚠ Finished with ${bad} target${bad === 1 ? '' : 's'} not succeeded (${c.failed ?? 0} failed, ${c.timedOut ?? 0} timed out, ${c.cancelled ?? 0} cancelled, ${c.notRun ?? 0} not run) of ${doc?.total}.`
        : `✅ All ${doc?.total} targets succeeded.`;
      announce(el.textContent, true);
      $$('#cancel-run, #stop-after-batch').forEach((b) => { b.disabled = true; });
    }

    function waveStates() {
      return [...waveTally.entries()].filter(([, x]) => x.total > 0).sort((a, b) => a[0] - b[0]).map(([n, x]) => {
        const state = x.running > 0 || (x.queued > 0 && x.queued < x.total && x.notRun === 0) ? 'running' : x.queued === x.total ? 'pending' : x.notRun === x.total ? 'not-run' : x.queued > 0 ? 'running' : (x.bad > 0 || x.notRun > 0) ? 'failed' : 'complete';
        return { wave: n, total: x.total, state, s: x.s, e: x.e };
      });
    }
    // One batch's line, as RunPage.razor renders it: state, count, start and duration (elapsed while it runs), its results.
    const clock = (ms) => new Date(ms).toISOString().slice(11, 19) + ' UTC';
    function waveLine(w) {
      const ended = !(w.state === 'running' || w.state === 'pending');
      const times = w.s != null && isFinite(w.s) && (!ended || (w.e != null && isFinite(w.e)))
        ? `<span class="wave-time"> · started ${clock(w.s)} · ${duration((ended ? w.e : Date.now()) - w.s)}</span>` : '';
      const base = `/api/runs/${encodeURIComponent(id)}/export?wave=${w.wave}`;
      const links = w.state === 'pending' ? '' : ` <a class="wave-export" href="${base}&amp;format=csv" download="${esc(id)}-batch-${w.wave}.csv" aria-label="Export batch ${w.wave} CSV">CSV</a>` +
        ` <a class="wave-export" href="${base}&amp;format=json" download="${esc(id)}-batch-${w.wave}.json" aria-label="Export batch ${w.wave} JSON">JSON</a>`;
      return `<li class="wave wave-${w.state}" data-wave="${w.wave}"><span aria-hidden="true">${icon(w.state)}</span> Batch ${w.wave}: ${w.state} (${w.total})${times}${links}</li>`;
    }
    function render() {
      if (!loaded) { if (latestProgress) { showProgress(latestProgress); latestProgress = null; } return; }
      if (!dirty) return;
      dirty = false;
      const total = rows.length;
      const done = total - (tally.queued ?? 0) - (tally.running ?? 0);
      const pct = total ? Math.round(1000 * done / total) / 10 : (status === 'queued' || status === 'running' ? 0 : 100);
      progressBar(pct, done, total);
      for (const el of $$('[data-count]')) el.textContent = String(tally[el.dataset.count] ?? 0);
      const finished = !(status === 'queued' || status === 'running') || ended;
      $('#run-state').innerHTML = `<span aria-hidden="true">${icon(status)}</span> ${esc(status)}`;
      $('#run-state').className = 'state state-' + status;
      const elapsed = (ended || Date.now()) - started;
      $('#elapsed').textContent = duration(elapsed);
      $('#eta').textContent = finished ? 'done' : done > 0 ? duration(elapsed / done * (total - done)) : '–';
      const waves = waveStates();
      const current = waves.find((w) => w.state === 'running' || w.state === 'pending')?.wave ?? waves.length;
      $('#wave-heading').innerHTML = `<strong>${finished ? 'Processed' : 'Processing'} batch ${current} of ${waves.length}</strong>`;
      const shown = waves.length > 50 ? waves.filter((w) => Math.abs(w.wave - current) <= 20 || w.wave === 1 || w.wave === waves.length) : waves;
      const list = shown.map(waveLine).join('');
      const wl = $('#wave-list'); if (wl.dataset.html !== list) { wl.innerHTML = list; wl.dataset.html = list; }
      announce(`Progress ${pct}%: ${done} of ${total} targets, batch ${current} of ${waves.length}`);
      // The table's view: the rows themselves unless filtered or sorted; a filtered or sorted view follows events at most once a second.
      const now = Date.now();
      if (viewDirty && (view === rows || now - lastView >= 1000 || ended)) { viewDirty = false; lastView = now; rebuildView(); }
      vt.schedule();
      timeline();
    }
    const filterState = $('#t-state'); const sortBy = $('#t-sort'); const search = $('#t-search');
    function rebuildView() {
      const s = filterState.value; const q = search.value.trim().toLowerCase(); const sort = sortBy.value;
      if (!s && !q && sort === 'order') {
        view = rows;
      } else {
        view = rows.filter((r) => (!s || r.state === s) && (!q || r.nodeId.toLowerCase().includes(q)));
        const rank = { failed: 0, 'timed-out': 1, cancelled: 2, running: 3, queued: 4, 'not-run': 5, skipped: 6, succeeded: 7 };
        if (sort === 'name') view.sort((a, b) => a.nodeId.localeCompare(b.nodeId));
        else if (sort === 'state') view.sort((a, b) => (rank[a.state] ?? 9) - (rank[b.state] ?? 9) || a.order - b.order);
        else if (sort === 'duration') view.sort((a, b) => (b.durationMs ?? -1) - (a.durationMs ?? -1));
      }
      if (vt.total !== view.length) vt.setTotal(view.length);
      $('#targets-summary').textContent = `${view.length} of ${rows.length} targets`;
    }
    for (const el of [filterState, sortBy]) el.addEventListener('change', () => { viewDirty = dirty = true; lastView = 0; });
    let searchTimer = 0;
    search.addEventListener('input', () => { clearTimeout(searchTimer); searchTimer = setTimeout(() => { viewDirty = dirty = true; lastView = 0; }, 300); });

    // Gantt: one row per bucket of consecutive targets (one target per row when they fit; min start, max end), kept up to
    // date by setRow, so a redraw (at most once a second) costs ≤ 60 bars whatever the number of targets; colours by wave.
    let lastTimeline = 0;
    function timeline() {
      const now = Date.now();
      if (now - lastTimeline < 1000 && !ended) return;
      lastTimeline = now;
      const box = $('#timeline');
      let t0 = Infinity; let t1 = -Infinity; let ran = 0;
      for (const b of buckets) {
        if (b.s === Infinity) continue;
        ran++;
        t0 = Math.min(t0, b.s); t1 = Math.max(t1, b.running > 0 ? now : b.e, b.s);
      }
      if (!ran) { box.innerHTML = '<p class="note">Nothing has run yet.</p>'; return; }
      const width = Math.max(1, t1 - t0);
      let svg = '';
      const h = 8; let y = 0;
      for (const b of buckets) {
        if (b.s !== Infinity) {
          const e = Math.max(b.s, b.running > 0 ? now : b.e);
          const cls = b.bad > 0 ? 'bad' : 'w' + ((b.wave ?? 1) % 2);
          svg += `<rect class="${cls}" x="${(100 * (b.s - t0) / width).toFixed(2)}%" y="${y}" width="${Math.max(0.3, 100 * (e - b.s) / width).toFixed(2)}%" height="${h - 2}"></rect>`;
        }
        y += h;
      }
      box.setAttribute('aria-label', `Timeline: ${rows.length - (tally.queued ?? 0)} targets ran over ${duration(t1 - t0)}${per > 1 ? `, ${per} targets per row` : ''}`);
      box.innerHTML = `<svg width="100%" height="${y}" aria-hidden="true" focusable="false">${svg}</svg><p class="note">${duration(t1 - t0)} from first start to last end${per > 1 ? ` · each row aggregates ${per} targets` : ''}</p>`;
    }
    // Output of one target: the stored attempts (stdout, stderr, exit code), re-read while it runs.
    const outDialog = $('#output-dialog');
    let opener = null;
    $('#targets').addEventListener('click', async (e) => {
      const btn = e.target.closest('button.expand');
      if (!btn) return;
      opener = btn; btn.setAttribute('aria-expanded', 'true');
      const name = btn.dataset.target;
      $('#output-title').textContent = 'Output of ' + name;
      outDialog.showModal();
      await showOutput(name);
    });
    outDialog.addEventListener('close', () => { following++; opener?.setAttribute('aria-expanded', 'false'); opener?.focus(); });
    $$('[data-close]', outDialog).forEach((b) => b.addEventListener('click', () => outDialog.close()));
    // A running (or queued) target is followed live: both streams are read from where the last read ended
    // (GET /api/runs/{id}/targets/{target}/output?offset=N) and appended as they grow — or, while it runs on another server
    // instance or a worker, replaced by each recorded snapshot (source "partial", read from 0); once both have ended the
    // recorded attempts are shown (stdout, stderr and exit code of each).
    let following = 0;
    async function showOutput(name) {
      const seq = ++following;
      const body = $('#output-body');
      const r = row(name);
      if (r && (r.state === 'queued' || r.state === 'running')) { await followOutput(name, seq); if (seq !== following || !outDialog.open) return; }
      body.innerHTML = '<p>Loading…</p>';
      const res = await api('GET', `/api/runs/${encodeURIComponent(id)}/logs?target=${encodeURIComponent(name)}`);
      if (seq !== following) return;
      const entries = res.ok ? res.json.attempts ?? [] : [];
      if (!entries.length) {
        body.innerHTML = '<p>No output was recorded.</p>';
      } else {
        // How the target is reached (transport, user@host:port as the inventory gives them; never secrets).
        const c = entries[0].connection;
        const where = c ? [c.transport, c.host ? `${c.user ? c.user + '@' : ''}${c.host}${c.port ? ':' + c.port : ''}` : ''].filter(Boolean).join(' · ') : '';
        body.innerHTML = (where ? `<p class="connection">Connection: <span data-connection>${esc(where)}</span></p>` : '') + entries.map((a) => `<section class="attempt" aria-label="Attempt ${a.attempt}"><h3>Attempt ${a.attempt}: ${stateHtml(a.state)} · exit code ${a.exitCode ?? '–'}</h3>` +
          (a.error ? `<p class="field-error">${esc(a.error)}</p>` : '') + (a.commands ? commandSections(a.commands) :
          `<h4>stdout</h4><pre tabindex="0" role="region" aria-label="stdout">${esc(a.stdout)}</pre><h4>stderr</h4><pre tabindex="0" role="region" aria-label="stderr">${esc(a.stderr)}</pre>`) + '</section>').join('');
      }
    }
    // A list of commands (action "commands"): one section per command that ran, with its exit code and its own output.
    function commandSections(commands) {
      const n = commands[0]?.count ?? commands.length;
      const label = (c, stream) => `${stream} of command ${c.index}`;
      return commands.map((c) => `<section class="command" aria-label="Command ${c.index}: ${esc(c.command)}"><h4>Command ${c.index} of ${n}: <code>${esc(c.command)}</code> · ` +
        `${c.exitCode === 0 ? stateHtml('succeeded') : stateHtml('failed')} · exit code ${c.exitCode ?? '–'}</h4>` +
        `<pre tabindex="0" role="region" aria-label="${label(c, 'stdout')}">${esc(c.stdout)}</pre>` +
        (c.stderr ? `<pre tabindex="0" role="region" aria-label="${label(c, 'stderr')}">${esc(c.stderr)}</pre>` : '') + '</section>').join('') +
        (commands.length < n ? `<p class="note">${commands.length + 1 === n ? `Command ${n} was` : `Commands ${commands.length + 1}–${n} were`} not run: command ${commands.length} failed.</p>` : '');
    }
    async function followOutput(name, seq) {
      const body = $('#output-body');
      body.innerHTML = `<section class="attempt live" aria-label="Live output"><h3 id="live-state">${stateHtml('running')} live output</h3>` +
        '<h4>stdout</h4><pre tabindex="0" role="region" aria-label="stdout" data-live-stream="stdout"></pre>' +
        '<h4>stderr</h4><pre tabindex="0" role="region" aria-label="stderr" data-live-stream="stderr"></pre></section>';
      const streams = { stdout: { next: 0, done: false, attempt: null }, stderr: { next: 0, done: false, attempt: null } };
      while (seq === following && outDialog.open && !(streams.stdout.done && streams.stderr.done)) {
        for (const [stream, st] of Object.entries(streams)) {
          if (st.done) continue;
          const res = await api('GET', `/api/runs/${encodeURIComponent(id)}/targets/${encodeURIComponent(name)}/output?stream=${stream}&offset=${st.next}`);
          if (seq !== following) return;
          if (!res.ok) { st.done = true; continue; }
          const j = res.json; const pre = body.querySelector(`[data-live-stream="${stream}"]`);
          if (st.attempt !== null && j.attempt !== null && j.attempt !== st.attempt) { pre.textContent = ''; st.next = 0; st.attempt = j.attempt; continue; } // a retry: its own output
          st.attempt = j.attempt ?? st.attempt;
          // A target running elsewhere (another server, a worker): each partial answer is the whole snapshot its owner recorded.
          if (j.source === 'partial') { pre.textContent = j.text; st.partial = true; continue; }
          if (st.partial) { pre.textContent = ''; st.partial = false; }
          if (j.skipped) pre.textContent += '\n[… earlier output is in the log once the attempt ends …]\n';
          if (j.text) { const atEnd = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4; pre.textContent += j.text; if (atEnd) pre.scrollTop = pre.scrollHeight; }
          st.next = j.next; st.done = j.done;
        }
        if (!(streams.stdout.done && streams.stderr.done)) await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }

    // Actions: each is the API endpoint of the same name.
    const result = $('#action-result');
    const act = async (url, body, message) => {
      const res = await api('POST', url, body);
      result.textContent = res.ok ? message(res.json) : (res.json?.detail ?? `The server answered ${res.status}.`);
      showDebug(result, res.ok ? null : res.json);
      return res;
    };
    $('#cancel-run')?.addEventListener('click', () => act(`/api/executions/batch/${encodeURIComponent(id)}/cancel`, undefined, (j) => `Cancelling: ${j.cancelled} target executions cancelled.`));
    $('#stop-after-batch')?.addEventListener('click', () => act(`/api/executions/batch/${encodeURIComponent(id)}/stop-after-batch`, undefined, () => 'The run stops when the current batch ends.'));
    $('#retry-failed')?.addEventListener('click', async () => {
      const res = await act(`/api/runs/${encodeURIComponent(id)}/retry?select=failed`, undefined, (j) => `Retrying in run ${j.batchId}.`);
      if (res.ok && res.json?.batchId) location.href = '/runs/' + encodeURIComponent(res.json.batchId);
    });
    $('#resume-run')?.addEventListener('click', async () => {
      const res = await act(`/api/runs/${encodeURIComponent(id)}/resume`, undefined, (j) => `Resuming run ${j.batchId}.`);
      if (res.ok) location.reload();
    });

    // Workflow approvals: each button is POST /api/runs/{id}/steps/{step}/approve|reject with the comment.
    $$('[data-approve], [data-reject]').forEach((b) => b.addEventListener('click', async () => {
      const step = b.dataset.approve ?? b.dataset.reject;
      const decision = b.dataset.approve !== undefined ? 'approve' : 'reject';
      const comment = $(`[data-comment="${CSS.escape(step)}"]`)?.value || undefined;
      const res = await act(`/api/runs/${encodeURIComponent(id)}/steps/${encodeURIComponent(step)}/${decision}`, comment ? { comment } : undefined,
        (j) => `Step ${j.step} ${j.decision} by ${j.actor}.`);
      if (res.ok) setTimeout(() => location.reload(), 500);
    }));

    // Events are only queued when they arrive (the browser hands over a whole network read of them at once); the queue is
    // applied before each render in slices of at most 8 ms, yielding in between, so a burst of thousands of events never
    // makes one long task. Renders are coalesced: at most 10 a second.
    const inbox = []; let inboxAt = 0;
    function drain() {
      const until = performance.now() + 8;
      while (inboxAt < inbox.length && performance.now() < until) {
        const [name, text] = inbox[inboxAt++];
        let data = {}; if (typeof text === 'string') { try { data = JSON.parse(text); } catch { } } else data = text;
        if (pending) pending.push([name, data]); else onEvent(name, data);
      }
      if (inboxAt >= inbox.length) { inbox.length = 0; inboxAt = 0; return true; }
      return false;
    }
    function tick() {
      if (!drain()) { setTimeout(tick, 0); return; }
      render();
    }
    setInterval(tick, 100);
    setInterval(() => { if (!ended && (status === 'running' || status === 'queued')) { dirty = true; } }, 1000);
    // A live run: the event stream opens at once, before the rows are read, so nothing that happens meanwhile waits for
    // them — its progress events move the bar, its target events are kept and applied once the rows are there.
    let pending = [];
    if (status === 'queued' || status === 'running') {
      ended = 0;
      const source = new EventSource(`/api/executions/batch/${encodeURIComponent(id)}/events`);
      for (const name of ['run-started', 'wave-started', 'target-started', 'target-retrying', 'target-finished', 'wave-finished', 'batch-finished']) {
        source.addEventListener(name, (e) => {
          if (name === 'batch-finished') source.close();
          inbox.push([name, e.data]);
        });
      }
      source.addEventListener('progress', (e) => { if (!loaded) { try { latestProgress = JSON.parse(e.data); } catch { } } });
      source.addEventListener('run-started', () => { status = 'running'; });
    }
    (async () => {
      const doc = await loadAll();
      // What arrived while the rows were read goes first, then the rest of the queue, in order and in slices.
      const queued = pending; pending = null;
      for (let i = inboxAt; i < inbox.length; i++) queued.push(inbox[i]);
      inbox.length = 0; inboxAt = 0;
      for (const item of queued) inbox.push(item);
      loaded = true; dirty = viewDirty = true;
      if (!doc) return;
      if (!(doc.status === 'queued' || doc.status === 'running')) finish(doc);
    })();
  }
  // ---------- Step graph of a running workflow: its states re-read from GET /api/runs/{id}/graph until the run ends ----------
  function stepGraph() {
    const fig = $('#step-graph');
    if (!fig || fig.dataset.live !== 'true' || !fig.dataset.run) return;
    const FINAL = new Set(['succeeded', 'failed', 'cancelled', 'interrupted']);
    const tick = async () => {
      if (!document.hidden) {
        const res = await api('GET', `/api/runs/${encodeURIComponent(fig.dataset.run)}/graph`);
        if (res.ok) {
          for (const n of res.json.nodes) {
            for (const el of $$(`[data-node="${CSS.escape(n.id)}"]`, fig)) {
              if (el.dataset.current === n.state) continue;
              el.dataset.current = n.state;
              const st = el.querySelector('[data-state]');
              if (el.tagName.toLowerCase() === 'g') {
                el.setAttribute('class', el.getAttribute('class').replace(/\bstate-[a-z-]+/, 'state-' + n.state));
                st.textContent = `${icon(n.state)} ${n.state}`;
                el.querySelector('title').textContent = `${n.id}: ${n.state}`;
              } else {
                st.className = `state state-${n.state}`;
                st.innerHTML = `<span aria-hidden="true">${icon(n.state)}</span> ${esc(n.state)}`;
              }
            }
          }
          if (FINAL.has(res.json.status)) return;
        }
      }
      setTimeout(tick, 1500);
    };
    setTimeout(tick, 1000);
  }

  function workflowsPage() {
    const form = $('#run-workflow-form');
    if (!form) return;
    const button = $('#run-workflow'); const error = $('#run-workflow-error');
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      button.disabled = true;
      const res = await api('POST', '/api/workflows/run', { file: form.dataset.file, parameters: parameterValues(form) });
      if (res.status === 201) { location.href = '/runs/' + encodeURIComponent(res.json.runId); return; }
      button.disabled = false;
      const { first, rest } = parameterErrors(form, res.json?.errors, 'parameters');
      const other = Object.values(rest).flat();
      error.hidden = !(other.length || !first);
      error.textContent = other.length ? other.join(' ') : first ? '' : res.json?.detail ?? `The server answered ${res.status}.`;
      (first ?? error).focus?.();
    });
  }

  // Problem details at the fields they name: `map` gives the error element id of each field name ('' = the form's own).
  function fieldErrors(root, problem, status, map, formError, shown = null) {
    $$('.field-error:not([data-param-error])', root).forEach((e) => { e.hidden = true; e.textContent = ''; });
    $$('[aria-invalid]:not([data-param])', root).forEach((e) => e.removeAttribute('aria-invalid'));
    let first = shown;
    for (const [key, messages] of Object.entries(problem?.errors ?? {})) {
      const el = $('#' + (map[key] ?? formError));
      el.hidden = false; el.textContent += (el.textContent ? ' ' : '') + messages.join(' ');
      const input = el.id === formError ? null : root.querySelector(`[aria-describedby~="${el.id}"]`);
      if (input) input.setAttribute('aria-invalid', 'true');
      first ??= input ?? el;
    }
    if (!first) { const el = $('#' + formError); el.hidden = false; el.textContent = problem?.detail ?? `The server answered ${status}.`; first = el; }
    first.focus?.();
  }

  // ---------- Tokens page (admins): create (the secret shown once), revoke ----------
  function tokensPage() {
    const form = $('#token-form');
    if (!form) return;
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const body = { name: $('#tok-name').value.trim(), role: $('#tok-role').value };
      const expires = $('#tok-expires').value.trim();
      if (expires) body.expiresIn = expires;
      const res = await api('POST', '/api/tokens', body);
      if (res.status !== 201) { fieldErrors(form.parentElement, res.json, res.status, { name: 'err-tok-name', expiresIn: 'err-tok-expires', expiresAt: 'err-tok-expires' }, 'err-tok-form'); return; }
      fieldErrors(form.parentElement, null, 0, {}, 'err-tok-form'); $('#err-tok-form').hidden = true;
      const t = res.json.token;
      $('#token-secret-name').textContent = t.name;
      $('#token-secret-value').value = res.json.secret;
      const box = $('#token-secret'); box.hidden = false; box.focus();
      const row = document.createElement('tr');
      row.dataset.token = t.name; row.className = 'token-active';
      row.innerHTML = `<td>${esc(t.name)}</td><td>${esc(t.role)}</td><td class="mono">${esc(t.prefix)}</td><td><span class="state state-succeeded"><span aria-hidden="true">✅</span> active</span></td>` +
        `<td>${time(t.createdAt)}</td><td>never</td><td>${t.expiresAt ? time(t.expiresAt) : 'never'}</td>` +
        `<td><button type="button" class="danger" data-revoke="${esc(t.name)}" aria-label="Revoke ${esc(t.name)}">Revoke</button></td>`;
      $('#tokens-table tbody').appendChild(row);
      form.reset();
    });
    $('#tokens-table').addEventListener('click', async (e) => {
      const b = e.target.closest('[data-revoke]');
      if (!b) return;
      const name = b.dataset.revoke;
      if (!confirm(`Revoke token "${name}"? Its sessions end and requests with it are refused from now on.`)) return;
      const res = await api('DELETE', `/api/tokens/${encodeURIComponent(name)}`);
      const result = $('#token-action-result');
      if (res.status === 204) {
        result.textContent = `Token ${name} revoked.`;
        const row = b.closest('tr'); row.className = 'token-revoked';
        row.cells[3].innerHTML = '<span class="state state-cancelled"><span aria-hidden="true">⛔</span> revoked</span>';
        b.remove();
      } else {
        result.textContent = res.json?.detail ?? `The server answered ${res.status}.`;
      }
    });
  }

  // ---------- Schedules page (admins): add, pause / resume, run now, delete ----------
  function schedulesPage() {
    const table = $('#schedules-table');
    if (!table) return;
    const result = $('#schedule-action-result');
    const list = (v) => v.split(',').map((x) => x.trim()).filter(Boolean);
    table.addEventListener('click', async (e) => {
      const b = e.target.closest('[data-schedule-run], [data-schedule-pause], [data-schedule-resume], [data-schedule-delete]');
      if (!b) return;
      const d = b.dataset; const name = d.scheduleRun ?? d.schedulePause ?? d.scheduleResume ?? d.scheduleDelete;
      const url = `/api/schedules/${encodeURIComponent(name)}`;
      let res;
      if (d.scheduleDelete !== undefined) {
        if (!confirm(`Delete schedule "${name}"? It no longer fires; runs it started stay in history.`)) return;
        res = await api('DELETE', url);
      } else if (d.scheduleRun !== undefined) {
        b.disabled = true;
        res = await api('POST', url + '/run');
        b.disabled = false;
        if (res.status === 202) {
          result.innerHTML = res.json.runId ? `Schedule ${esc(name)} fired: run <a href="/runs/${encodeURIComponent(res.json.runId)}">${esc(res.json.runId)}</a> (${esc(res.json.result)}).`
            : `Schedule ${esc(name)} fired: ${esc(res.json.result)}.`;
          return;
        }
      } else {
        res = await api('POST', url + (d.schedulePause !== undefined ? '/pause' : '/resume'));
      }
      if (res.ok) { location.reload(); return; }
      result.textContent = res.json?.detail ?? `The server answered ${res.status}.`;
    });
    const form = $('#schedule-form');
    if (!form) return;
    // Every kind `fanout schedule add` makes: the fields of the chosen kind are shown; targets and options are not a workflow's.
    const kind = () => $('#sch-kind').value;
    let workflowsLoaded = false; let formSeq = 0;
    async function loadWorkflowForm() {
      const seq = ++formSeq; const box = $('#sch-wf-params'); const file = $('#sch-workflow').value;
      if (!file) { box.innerHTML = ''; return; }
      const res = await fetch(`/ui/workflows/${encodeURIComponent(file)}/parameters`, { credentials: 'same-origin' });
      if (seq !== formSeq) return;
      box.innerHTML = res.ok ? await res.text() : `<p class="field-error">The parameters of ${esc(file)} could not be read (${res.status}).</p>`;
    }
    $('#sch-workflow').addEventListener('change', loadWorkflowForm);
    $('#sch-kind').addEventListener('change', async () => {
      $$('[data-sch-kind]', form).forEach((el) => { el.hidden = el.dataset.schKind !== kind(); });
      $$('[data-sch-targets]', form).forEach((el) => { el.hidden = kind() === 'workflow'; });
      if (kind() === 'workflow' && !workflowsLoaded) {
        workflowsLoaded = true;
        const res = await api('GET', '/api/workflows');
        const files = res.ok ? (res.json.workflows ?? []) : [];
        $('#sch-workflow').innerHTML = files.map((w) => `<option value="${esc(w.file)}">${esc(w.name ?? w.file)}${w.valid === false ? ' (invalid)' : ''}</option>`).join('');
        await loadWorkflowForm();
      }
    });
    const VALUE_ERRORS = { command: 'err-sch-command', script: 'err-sch-script', sync: 'err-sch-sync-source', task: 'err-sch-task', workflow: 'err-sch-workflow' };
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const k = kind();
      const body = { cron: $('#sch-cron').value.trim(), timeZone: $('#sch-zone').value.trim() || 'UTC', allowOverlap: $('#sch-overlap').checked };
      const name = $('#sch-name').value.trim();
      if (name) body.name = name;
      if (k === 'workflow') {
        body.action = { type: 'workflow', value: $('#sch-workflow').value, parameters: parameterValues($('#sch-wf-params')) };
        if ($('#sch-env').value.trim()) body.environment = $('#sch-env').value.trim();
      } else {
        body.targetNodeIds = list($('#sch-nodes').value); body.targetGroupIds = list($('#sch-groups').value);
        if (k === 'command') body.action = { type: 'command', value: $('#sch-command').value.trim() };
        else if (k === 'script') body.action = { type: 'script', value: $('#sch-script').value, parameters: { args: list($('#sch-script-args').value) } };
        else if (k === 'task') body.action = { type: 'task', value: $('#sch-task').value };
        else {
          const parameters = { destination: $('#sch-sync-dest').value.trim(), delete: $('#sch-sync-delete').checked };
          if (list($('#sch-sync-exclude').value).length) parameters.excludes = list($('#sch-sync-exclude').value);
          body.action = { type: 'sync', value: $('#sch-sync-source').value.trim(), parameters };
        }
        const options = { parallel: Number($('#sch-parallel').value) };
        const timeout = $('#sch-timeout').value.trim();
        if (timeout) options.timeout = /^\d+$/.test(timeout) ? Number(timeout) : timeout;
        body.options = options;
      }
      const res = await api('POST', '/api/schedules', body);
      if (res.status === 201) { location.reload(); return; }
      const params = k === 'workflow' ? parameterErrors($('#sch-wf-params'), res.json?.errors, 'action.parameters') : { first: null, rest: res.json?.errors ?? {} };
      fieldErrors(form.parentElement, res.json && { ...res.json, errors: params.rest }, res.status, { name: 'err-sch-name', cron: 'err-sch-cron', timeZone: 'err-sch-zone',
        'action.value': VALUE_ERRORS[k], action: VALUE_ERRORS[k], 'action.type': VALUE_ERRORS[k], 'action.parameters.args': 'err-sch-script-args',
        'action.parameters.destination': 'err-sch-sync-dest', 'action.parameters.excludes': 'err-sch-sync-exclude', environment: 'err-sch-env',
        'options.parallel': 'err-sch-parallel', 'options.timeout': 'err-sch-timeout',
        targetNodeIds: 'err-sch-targets', targetGroupIds: 'err-sch-targets', targets: 'err-sch-targets', '': 'err-sch-targets' }, 'err-sch-form', params.first);
    });
  }

  document.addEventListener('DOMContentLoaded', () => { executionsPage(); inventoryPage(); newExecutionDialog(); runPage(); stepGraph(); workflowsPage(); tokensPage(); schedulesPage(); });
})();
