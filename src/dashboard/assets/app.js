// The seriatim lanes dashboard page: plain browser JavaScript, no build step, no CDN. Live
// overview through server-sent events (/api/events); one page of lanes at a time (/api/lanes).

(() => {
  const PAGE = 50;
  const token = new URLSearchParams(location.hash.slice(1)).get('token') || '';
  const state = { offset: 0, blocked: false, writes: false, total: 0, machineLane: null };
  const $ = (id) => document.getElementById(id);

  const el = (tag, text, attrs = {}) => {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
    return node;
  };

  const duration = (ms) => {
    if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
    const s = Math.floor(ms / 1000);
    if (s < 60) return `${s}s`;
    const m = Math.floor(s / 60);
    if (m < 60) return `${m}m ${s % 60}s`;
    return `${Math.floor(m / 60)}h ${m % 60}m`;
  };
  const laneName = (lane) => `${lane.documentId}/${lane.scope}/${lane.branch}`;
  const say = (text) => {
    $('message').textContent = text;
  };

  async function api(path, init) {
    const response = await fetch(path, init);
    const body = await response.json();
    if (!response.ok) throw new Error(body.error || `${response.status}`);
    return body;
  }

  function renderCounts(sample) {
    const box = $('counts');
    box.replaceChildren();
    const o = sample.overview;
    if (!o) {
      box.append(el('div', sample.error || 'no overview', { class: 'card bad' }));
      return;
    }
    const card = (label, value, bad) => {
      const c = el('div', null, { class: bad ? 'card bad' : 'card', 'data-count': label });
      c.append(el('b', value), el('span', label));
      box.append(c);
    };
    card('pending', o.counts.pending);
    card('running', o.counts.running);
    card('retrying', o.retrying + sample.backingOff.length);
    card('completed', o.counts.completed);
    card('failed', o.counts.failed, o.counts.failed > 0);
    card('lanes with work', o.lanesWithWork);
    card('blocked lanes', o.blockedLanes, o.blockedLanes > 0);
    card(
      'oldest pending waits',
      o.oldestPending ? duration(sample.at - o.oldestPending.createdAt) : '—',
    );
  }

  function renderChart(points) {
    const canvas = $('chart');
    const ctx = canvas.getContext('2d');
    const w = canvas.width;
    const h = canvas.height;
    ctx.clearRect(0, 0, w, h);
    if (points.length < 2) return;
    const line = (values, color) => {
      const max = Math.max(1, ...values.filter((v) => v !== null));
      ctx.strokeStyle = color;
      ctx.lineWidth = 2;
      ctx.beginPath();
      values.forEach((v, i) => {
        const x = (i / (values.length - 1)) * (w - 10) + 5;
        const y = h - 10 - ((v ?? 0) / max) * (h - 20);
        if (i === 0) ctx.moveTo(x, y);
        else ctx.lineTo(x, y);
      });
      ctx.stroke();
      ctx.fillStyle = color;
      ctx.fillText(max.toFixed(1), color === '#2e90fa' ? 5 : w - 40, 12);
    };
    line(
      points.map((p) => p.throughput),
      '#2e90fa',
    );
    line(
      points.map((p) => p.latency),
      '#f79009',
    );
  }

  function renderBackoff(sample) {
    const rows = $('backoff');
    rows.replaceChildren();
    $('backoff-panel').hidden = sample.backingOff.length === 0;
    for (const b of sample.backingOff) {
      const tr = el('tr');
      tr.append(
        el('td', b.lanes.map(laneName).join(', ')),
        el('td', b.jobId),
        el('td', `retry ${b.retryCount} in ${duration(b.nextAttemptAt - Date.now())}`),
        el('td', `${b.errorCode}: ${b.errorMessage}`),
      );
      rows.append(tr);
    }
  }

  async function loadLanes() {
    const query = `offset=${state.offset}&limit=${PAGE}${state.blocked ? '&blocked=1' : ''}`;
    const page = await api(`/api/lanes?${query}`);
    state.total = page.total;
    const body = $('lanes').tBodies[0];
    body.replaceChildren();
    const now = Date.now();
    for (const lane of page.lanes) {
      const head = lane.head;
      const tr = el('tr', null, { 'data-lane': laneName(lane) });
      const job = el('td');
      const link = el('a', head.jobId, { href: '#', 'data-job': head.jobId });
      link.addEventListener('click', (event) => {
        event.preventDefault();
        showJob(head.jobId).catch((error) => say(error.message));
      });
      job.append(link);
      if (head.laneCount > 1) job.append(` (holds ${head.laneCount} lanes)`);
      const status = head.halted
        ? el('td', `BLOCKED — ${head.errorCode ?? ''} ${head.errorMessage ?? ''}`, {
            class: 'blocked',
          })
        : el(
            'td',
            head.runAt && head.runAt > now
              ? `${head.status} (due ${duration(head.runAt - now)})`
              : head.status,
          );
      const actions = el('td');
      const machine = el('button', 'machine', { type: 'button' });
      machine.addEventListener('click', () => {
        state.machineLane = lane;
        showMachine().catch((error) => say(error.message));
      });
      actions.append(machine);
      if (head.halted && state.writes) {
        for (const action of ['retry', 'skip']) {
          const button = el('button', action, { type: 'button', 'data-action': action });
          button.addEventListener('click', () => act(head.jobId, action));
          actions.append(' ', button);
        }
      }
      tr.append(
        el('td', laneName(lane)),
        el('td', lane.backlog),
        job,
        status,
        el('td', duration(now - head.createdAt)),
        actions,
      );
      body.append(tr);
    }
    const last = page.offset + page.lanes.length;
    $('page').textContent =
      page.total === 0 ? 'no lanes' : `${page.offset + 1}–${last} of ${page.total}`;
    $('prev').disabled = page.offset === 0;
    $('next').disabled = last >= page.total;
  }

  async function act(jobId, action) {
    try {
      await api(`/api/jobs/${encodeURIComponent(jobId)}/${action}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      });
      say(`${action}: ${jobId}`);
      await loadLanes();
    } catch (error) {
      say(`${action} failed: ${error.message}`);
    }
  }

  async function showJob(jobId) {
    const detail = await api(`/api/jobs/${encodeURIComponent(jobId)}`);
    const job = detail.job;
    $('job-panel').hidden = false;
    $('job-title').textContent = job.id;
    const dl = $('job');
    dl.replaceChildren();
    const row = (label, value) => dl.append(el('dt', label), el('dd', value));
    row('status', job.halted ? `${job.status} (halted)` : job.status);
    row('lanes', detail.lanes.map(laneName).join(', '));
    row('attempts', job.attempts);
    row('created', new Date(job.createdAt).toISOString());
    if (job.finishedAt) row('finished', new Date(job.finishedAt).toISOString());
    if (job.lastError) row('last error', `${job.lastError.code}: ${job.lastError.message}`);
    row('operations written', detail.operations.length);
    for (const op of detail.operations)
      row(`${op.action.scope}#${op.index}`, `${op.action.type} ${op.id}`);
  }

  async function showMachine() {
    const lane = state.machineLane;
    if (!lane) return;
    $('machine-panel').hidden = false;
    $('machine-title').textContent = laneName(lane);
    const query = new URLSearchParams({
      documentId: lane.documentId,
      scope: lane.scope,
      branch: lane.branch,
    });
    const rows = $('machine');
    try {
      const view = await api(`/api/lane-machine?${query}`);
      $('machine-current').textContent =
        `now: ${JSON.stringify(view.current.value)} [${view.current.tags.join(', ')}] ${view.current.status}`;
      rows.replaceChildren();
      for (const step of [...view.history].reverse()) {
        const tr = el('tr');
        tr.append(
          el('td', new Date(step.at).toISOString().slice(11, 23)),
          el('td', step.event),
          el('td', JSON.stringify(step.value)),
          el('td', step.jobId ?? ''),
        );
        rows.append(tr);
      }
    } catch (error) {
      $('machine-current').textContent = error.message;
      rows.replaceChildren();
    }
  }

  function onSample(sample) {
    state.writes = sample.writes && token !== '';
    $('mode').textContent = state.writes ? 'retry/skip enabled' : 'read-only';
    renderCounts(sample);
    renderChart(sample.points);
    renderBackoff(sample);
    loadLanes().catch((error) => say(error.message));
    if (state.machineLane) showMachine().catch(() => {});
  }

  $('blocked-only').addEventListener('change', (event) => {
    state.blocked = event.target.checked;
    state.offset = 0;
    loadLanes().catch((error) => say(error.message));
  });
  $('prev').addEventListener('click', () => {
    state.offset = Math.max(0, state.offset - PAGE);
    loadLanes().catch((error) => say(error.message));
  });
  $('next').addEventListener('click', () => {
    state.offset += PAGE;
    loadLanes().catch((error) => say(error.message));
  });

  const events = new EventSource('/api/events');
  events.addEventListener('overview', (event) => onSample(JSON.parse(event.data)));
  events.addEventListener('open', () => {
    $('live').textContent = 'live';
    $('live').classList.add('on');
  });
  events.addEventListener('error', () => {
    $('live').textContent = 'reconnecting…';
    $('live').classList.remove('on');
  });
})();
