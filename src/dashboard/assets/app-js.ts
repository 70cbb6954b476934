/**
 * The dashboard's script, served as a file (the CSP allows no inline script). Plain DOM, no
 * framework: every value from the server is set with textContent or as an attribute we chose,
 * never parsed as HTML. (Kept free of backquotes and dollar-brace, since it lives in a String.raw.)
 * @internal
 * @module
 */
/** @internal */
export const APP_JS = String.raw`'use strict';
(function () {
  var csrf = document.querySelector('meta[name="csrf-token"]').getAttribute('content');
  var app = document.getElementById('app');
  var config = { refreshInterval: 2000, pageSize: 50, deadLetters: {} };
  var timer = null;
  var view = 0; // bumps on every navigation: late answers of an old view are ignored

  // ---- DOM helpers: text only ------------------------------------------------------------
  function h(tag, attrs, children) {
    var el = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) {
      if (k === 'onclick') el.addEventListener('click', attrs[k]);
      else if (k === 'onchange') el.addEventListener('change', attrs[k]);
      else if (k === 'onsubmit') el.addEventListener('submit', attrs[k]);
      else if (attrs[k] !== undefined && attrs[k] !== null && attrs[k] !== false) el.setAttribute(k, String(attrs[k]));
    });
    add(el, children);
    return el;
  }
  function add(el, children) {
    if (children === undefined || children === null) return;
    if (!Array.isArray(children)) children = [children];
    children.forEach(function (c) {
      if (c === undefined || c === null || c === false) return;
      el.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
    });
  }
  function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); }
  function table(headers, rows) {
    return h('table', null, [
      h('thead', null, h('tr', null, headers.map(function (x) { return h('th', { class: x.num ? 'num' : null }, x.label); }))),
      h('tbody', null, rows.length ? rows : h('tr', null, h('td', { colspan: headers.length, class: 'muted' }, 'none')))
    ]);
  }
  function td(text, cls) { return h('td', { class: cls || null }, text); }
  function queueLink(name) { return h('a', { href: '#/queue/' + encodeURIComponent(name) }, name); }
  function jobLink(id) { return h('a', { href: '#/job/' + encodeURIComponent(id), class: 'mono' }, id); }
  function fmt(n) { return n === undefined || n === null ? '–' : Number(n).toLocaleString('en-US', { maximumFractionDigits: 1 }); }
  function dur(ms) {
    if (ms === undefined || ms === null) return '–';
    if (ms < 1000) return fmt(ms) + ' ms';
    if (ms < 120000) return fmt(ms / 1000) + ' s';
    if (ms < 7200000) return fmt(ms / 60000) + ' min';
    if (ms < 172800000) return fmt(ms / 3600000) + ' h';
    return fmt(ms / 86400000) + ' days';
  }
  function bytes(n) {
    if (n === undefined || n === null) return '–';
    var u = ['B', 'KiB', 'MiB', 'GiB', 'TiB']; var i = 0;
    while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
    return n.toFixed(i ? 1 : 0) + ' ' + u[i];
  }
  function flash(text, isError) {
    var box = document.getElementById('flash');
    var item = h('div', { class: isError ? 'error' : null }, text);
    box.appendChild(item);
    setTimeout(function () { if (item.parentNode) item.parentNode.removeChild(item); }, isError ? 8000 : 3500);
  }
  function pill(text, cls) { return h('span', { class: 'pill ' + (cls || '') }, text); }

  // ---- server ----------------------------------------------------------------------------
  function query(params) {
    var parts = [];
    Object.keys(params || {}).forEach(function (k) {
      var v = params[k];
      (Array.isArray(v) ? v : [v]).forEach(function (x) {
        if (x !== undefined && x !== null) parts.push(encodeURIComponent(k) + '=' + encodeURIComponent(x));
      });
    });
    return parts.length ? '?' + parts.join('&') : '';
  }
  function answer(res) {
    return res.json().catch(function () { return {}; }).then(function (body) {
      if (!res.ok) throw new Error((body.error && body.error.message) || ('HTTP ' + res.status));
      return body;
    });
  }
  function get(path, params) {
    return fetch('api/' + path + query(params), { credentials: 'same-origin', headers: { Accept: 'application/json' } }).then(answer);
  }
  function post(path, body) {
    return fetch('api/' + path, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
      body: JSON.stringify(body)
    }).then(answer);
  }
  function failed(err) { flash(err.message, true); }

  // ---- charts: a few lines on a canvas ---------------------------------------------------
  var COLORS = ['#3b5bdb', '#e8590c', '#2b8a3e', '#ae3ec9', '#1098ad', '#f08c00', '#c92a2a'];
  function chart(title) {
    var canvas = h('canvas', { width: 640, height: 180 });
    var legend = h('div', { class: 'legend' });
    var el = h('div', { class: 'card chart' }, [h('h2', null, title), canvas, legend]);
    return { el: el, draw: function (series) { drawChart(canvas, legend, series); } };
  }
  function drawChart(canvas, legend, series) {
    var ratio = window.devicePixelRatio || 1;
    var w = canvas.clientWidth || 640, hgt = canvas.clientHeight || 180;
    canvas.width = w * ratio; canvas.height = hgt * ratio;
    var g = canvas.getContext('2d');
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, w, hgt);
    var max = 1, len = 0;
    series.forEach(function (s) { s.values.forEach(function (v) { if (v > max) max = v; }); len = Math.max(len, s.values.length); });
    var left = 48, bottom = hgt - 18, top = 8, right = w - 8;
    g.strokeStyle = '#e3e6ec'; g.fillStyle = '#6b7385'; g.font = '11px system-ui, sans-serif'; g.lineWidth = 1;
    for (var i = 0; i <= 4; i++) {
      var y = bottom - (bottom - top) * i / 4;
      g.beginPath(); g.moveTo(left, y); g.lineTo(right, y); g.stroke();
      g.fillText(fmt(max * i / 4), 4, y + 4);
    }
    g.fillText(len > 1 ? 'last ' + Math.round((len - 1) * config.refreshInterval / 1000) + ' s' : '', left, hgt - 4);
    series.forEach(function (s, k) {
      g.strokeStyle = COLORS[k % COLORS.length]; g.lineWidth = 2; g.beginPath();
      s.values.forEach(function (v, j) {
        var x = left + (right - left) * (len > 1 ? (j + (len - s.values.length)) / (len - 1) : 1);
        var y = bottom - (bottom - top) * v / max;
        if (j === 0) g.moveTo(x, y); else g.lineTo(x, y);
      });
      g.stroke();
    });
    clear(legend);
    series.forEach(function (s, k) {
      var swatch = h('i'); swatch.style.background = COLORS[k % COLORS.length];
      add(legend, h('span', null, [swatch, s.name + ' ' + fmt(s.values[s.values.length - 1])]));
    });
  }
  function History(size) { this.size = size; this.data = {}; }
  History.prototype.push = function (name, value) {
    var list = this.data[name] || (this.data[name] = []);
    list.push(value); if (list.length > this.size) list.shift();
  };
  History.prototype.series = function (names) {
    var self = this;
    return names.filter(function (n) { return self.data[n]; }).map(function (n) { return { name: n, values: self.data[n] }; });
  };

  // ---- views -----------------------------------------------------------------------------
  function every(fn) {
    var mine = view;
    function tick() {
      if (mine !== view) return;
      Promise.resolve(fn()).catch(failed).then(function () {
        if (mine === view) timer = setTimeout(tick, config.refreshInterval);
      });
    }
    tick();
  }

  function nodesTable(nodes) {
    return table(
      [{ label: 'Node' }, { label: 'Address' }, { label: 'State' }, { label: 'Jobs', num: 1 }, { label: 'Queues', num: 1 }, { label: 'Memory', num: 1 }, { label: 'Clients', num: 1 }, { label: 'Version' }],
      nodes.map(function (n) {
        var state = !n.reachable ? pill('down', 'down') : n.leaving ? pill('leaving', 'leaving') : pill('up', 'up');
        if (!n.reachable && n.error) state.setAttribute('title', n.error);
        return h('tr', null, [td(n.id ? n.id.slice(0, 8) : '?', 'mono'), td(n.address, 'mono'), h('td', null, state),
          td(fmt(n.jobs), 'num'), td(fmt(n.queues), 'num'), td(bytes(n.usedMemory), 'num'), td(fmt(n.clients), 'num'), td(n.version || '–')]);
      })
    );
  }
  function pauseText(p) { return p === 'none' ? 'running' : p === 'mixed' ? 'mixed' : 'paused ' + p; }

  function clusterView() {
    var state = { cursor: null, pages: [], names: [], minLen: false, previous: null };
    var nodesBox = h('div', { class: 'card' }, h('p', { class: 'muted' }, 'Reading nodes…'));
    var lengths = chart('Jobs queued (queues on this page)');
    var rates = chart('Jobs in / out per second (queues on this page)');
    var nodeJobs = chart('Jobs held per node');
    var queuesBox = h('div');
    var pageInfo = h('span', { class: 'muted' });
    var nextBtn = h('button', { onclick: function () { loadPage(state.cursor); } }, 'Next page');
    var firstBtn = h('button', { onclick: function () { loadPage(null); } }, 'First page');
    var nonEmpty = h('input', { type: 'checkbox', onchange: function () { state.minLen = nonEmpty.checked; loadPage(null); } });
    var jump = h('input', { placeholder: 'queue name', 'aria-label': 'queue name' });
    var hist = new History(60);
    clear(app);
    add(app, [h('h1', null, 'Cluster'), nodesBox, h('div', { class: 'charts' }, [lengths.el, rates.el, nodeJobs.el]),
      h('h2', null, 'Queues'),
      h('div', { class: 'toolbar' }, [firstBtn, nextBtn, h('label', null, [nonEmpty, ' non-empty only']), pageInfo,
        h('form', { onsubmit: function (e) { e.preventDefault(); if (jump.value) location.hash = '#/queue/' + encodeURIComponent(jump.value); } }, [jump, ' ', h('button', { type: 'submit' }, 'Open')])]),
      queuesBox]);

    function loadPage(cursor) {
      var params = { count: config.pageSize };
      if (cursor) params.cursor = cursor;
      if (state.minLen) params.minLen = 1;
      return get('queues', params).then(function (page) {
        state.names = page.names; state.cursor = page.cursor; state.previous = null;
        nextBtn.disabled = !page.cursor;
        pageInfo.textContent = page.names.length + ' queues on this page' + (page.cursor ? '' : ' (last page)');
        return refresh();
      }).catch(failed);
    }
    function refresh() {
      var mine = view;
      return get('status', { q: state.names }).then(function (report) {
        if (mine !== view) return;
        clear(nodesBox); add(nodesBox, nodesTable(report.nodes));
        var now = new Date(report.at).getTime();
        var prev = state.previous, seconds = prev ? (now - prev.at) / 1000 : 0;
        var prevBy = {}; if (prev) prev.queues.forEach(function (q) { prevBy[q.name] = q; });
        var totalLen = 0, inRate = 0, outRate = 0;
        var rows = report.queues.map(function (q) {
          totalLen += q.len;
          var p = prevBy[q.name], qin = null, qout = null;
          if (p && seconds > 0) {
            qin = Math.max(0, q.jobsIn - p.jobsIn) / seconds; qout = Math.max(0, q.jobsOut - p.jobsOut) / seconds;
            inRate += qin; outRate += qout;
          }
          return h('tr', null, [h('td', null, queueLink(q.name)), td(fmt(q.len), 'num'), td(fmt(q.blocked), 'num'),
            td(qin === null ? '…' : fmt(qin), 'num'), td(qout === null ? '…' : fmt(qout), 'num'), td(fmt(q.importRate), 'num'),
            h('td', null, q.pause === 'none' ? pill('running') : pill(pauseText(q.pause), 'paused'))]);
        });
        clear(queuesBox);
        add(queuesBox, table([{ label: 'Queue' }, { label: 'Length', num: 1 }, { label: 'Blocked', num: 1 }, { label: 'In/s', num: 1 }, { label: 'Out/s', num: 1 }, { label: 'Import/s', num: 1 }, { label: 'State' }], rows));
        hist.push('queued', totalLen);
        if (prev) { hist.push('in/s', inRate); hist.push('out/s', outRate); }
        report.nodes.forEach(function (n) { if (n.reachable) hist.push(n.address, n.jobs || 0); });
        lengths.draw(hist.series(['queued']));
        rates.draw(hist.series(['in/s', 'out/s']));
        nodeJobs.draw(hist.series(report.nodes.map(function (n) { return n.address; })));
        state.previous = { at: now, queues: report.queues };
        document.getElementById('live').textContent = 'live · ' + new Date(report.at).toLocaleTimeString();
      });
    }
    loadPage(null).then(function () { every(refresh); });
  }

  function queueView(name) {
    var jobsState = { state: 'queued', cursor: null };
    var nodesBox = h('div', { class: 'card' }, h('p', { class: 'muted' }, 'Reading…'));
    var pauseInfo = h('span', { class: 'muted', id: 'pause-state' });
    var pauseBtn = h('button', { onclick: function () { setPause('all'); } }, 'Pause');
    var resumeBtn = h('button', { onclick: function () { setPause('none'); } }, 'Resume');
    var body = h('textarea', { placeholder: 'job body', 'aria-label': 'job body' });
    var addBtn = h('button', { class: 'primary', onclick: function () {
      if (!body.value) return flash('Type a body first', true);
      post('add', { queue: name, body: body.value }).then(function (r) { flash('Added ' + r.id); body.value = ''; loadJobs(null); }).catch(failed);
    } }, 'Add job');
    var peekBox = h('div', { class: 'grid2' });
    var jobsBox = h('div');
    var moreBtn = h('button', { onclick: function () { loadJobs(jobsState.cursor); } }, 'Next page');
    var tabs = h('div', { class: 'toolbar tabs' });
    var dlqOrigin = config.deadLetters[name];
    ['queued', 'active', 'wait-repl', 'acked', 'all'].forEach(function (s) {
      var b = h('button', { 'data-state': s, onclick: function () { jobsState.state = s; loadJobs(null); } }, s);
      add(tabs, b);
    });
    clear(app);
    add(app, [h('h1', null, ['Queue ', h('span', { class: 'mono' }, name)]),
      dlqOrigin ? h('p', null, ['Dead letters of ', queueLink(dlqOrigin), '. Open a job to requeue it there.']) : null,
      h('div', { class: 'toolbar' }, [pauseBtn, resumeBtn, pauseInfo]), nodesBox,
      h('h2', null, 'Oldest and newest queued (QPEEK)'), peekBox,
      h('h2', null, 'Jobs by state (JSCAN)'), tabs, jobsBox, h('div', { class: 'toolbar' }, moreBtn),
      h('h2', null, 'Add a job'), h('div', { class: 'card' }, [body, h('div', { class: 'toolbar' }, addBtn)])]);

    function setPause(state) {
      var label = state === 'none' ? 'Resume' : 'Pause';
      if (!confirm(label + ' queue "' + name + '" on every node?')) return;
      post('pause', { queue: name, state: state }).then(function (r) {
        var agreed = r.nodes.every(function (n) { return n.pause === state; });
        flash(label + (agreed ? 'd on ' + r.nodes.length + ' node(s)' : ': not every node agrees yet'), !agreed);
        return refresh();
      }).catch(failed);
    }
    function refresh() {
      var mine = view;
      return get('status', { q: [name] }).then(function (report) {
        if (mine !== view) return;
        var q = report.queues[0];
        clear(nodesBox);
        add(nodesBox, table([{ label: 'Node' }, { label: 'Address' }, { label: 'Length', num: 1 }, { label: 'Blocked', num: 1 }, { label: 'Import/s', num: 1 }, { label: 'In (total)', num: 1 }, { label: 'Out (total)', num: 1 }, { label: 'Pause' }],
          (q ? q.nodes : []).map(function (n) {
            return h('tr', { 'data-node': n.address }, [td(n.node.slice(0, 8), 'mono'), td(n.address, 'mono'), td(fmt(n.len), 'num'), td(fmt(n.blocked), 'num'),
              td(fmt(n.importRate), 'num'), td(fmt(n.jobsIn), 'num'), td(fmt(n.jobsOut), 'num'), td(n.pause, 'pause')]);
          })));
        pauseInfo.textContent = q ? 'state: ' + pauseText(q.pause) : 'this queue does not exist on any node right now';
        pauseInfo.setAttribute('data-pause', q ? q.pause : 'none');
        document.getElementById('live').textContent = 'live · ' + new Date(report.at).toLocaleTimeString();
        return get('peek', { queue: name, count: 5 }).then(function (nodes) {
          if (mine !== view) return;
          var oldest = [], newest = [];
          nodes.forEach(function (n) {
            n.oldest.forEach(function (j) { oldest.push(h('tr', null, [h('td', null, jobLink(j.id)), td(n.address, 'mono'), td(j.preview, 'preview mono')])); });
            n.newest.forEach(function (j) { newest.push(h('tr', null, [h('td', null, jobLink(j.id)), td(n.address, 'mono'), td(j.preview, 'preview mono')])); });
          });
          clear(peekBox);
          add(peekBox, [h('div', null, [h('h2', null, 'Oldest'), table([{ label: 'Job' }, { label: 'Node' }, { label: 'Body' }], oldest)]),
            h('div', null, [h('h2', null, 'Newest'), table([{ label: 'Job' }, { label: 'Node' }, { label: 'Body' }], newest)])]);
        });
      });
    }
    function loadJobs(cursor) {
      var mine = view;
      Array.prototype.forEach.call(tabs.children, function (b) { b.className = b.getAttribute('data-state') === jobsState.state ? 'active' : ''; });
      var params = { queue: name, count: config.pageSize };
      if (jobsState.state !== 'all') params.state = jobsState.state;
      if (cursor) params.cursor = cursor;
      return get('jobs', params).then(function (page) {
        if (mine !== view) return;
        jobsState.cursor = page.cursor; moreBtn.disabled = !page.cursor;
        clear(jobsBox);
        add(jobsBox, table([{ label: 'Job' }, { label: 'State' }, { label: 'Created' }, { label: 'NACKs', num: 1 }, { label: 'Redeliveries', num: 1 }, { label: 'Copies seen', num: 1 }, { label: 'Body' }],
          page.jobs.map(function (j) {
            return h('tr', null, [h('td', null, jobLink(j.id)), td(j.state), td(new Date(j.createdAt).toLocaleString()), td(fmt(j.nacks), 'num'),
              td(fmt(j.additionalDeliveries), 'num'), td(fmt(j.seenOn.length), 'num'), td(j.preview, 'preview mono')]);
          })));
      }).catch(failed);
    }
    loadJobs(null);
    every(refresh);
  }

  function jobView(id) {
    clear(app);
    add(app, [h('h1', null, ['Job ', h('span', { class: 'mono' }, id)]), h('p', { class: 'muted' }, 'Reading…')]);
    var mine = view;
    get('job', { id: id }).then(function (job) {
      if (mine !== view) return;
      clear(app);
      add(app, h('h1', null, ['Job ', h('span', { class: 'mono' }, id)]));
      if (job.missing) { add(app, h('p', { class: 'muted' }, 'No reachable node knows this job (acked, deleted or expired).')); return; }
      function act(label, path, question, after) {
        return h('button', { class: label === 'Delete' ? 'danger' : null, onclick: function () {
          if (!confirm(question)) return;
          post(path, { id: id }).then(function (r) { flash(label + ': done'); after(r); }).catch(failed);
        } }, label);
      }
      var reload = function () { jobView(id); };
      var origin = job.queue !== null ? config.deadLetters[job.queue] : undefined;
      add(app, h('div', { class: 'toolbar' }, [
        act('Ack', 'job/ack', 'Acknowledge job ' + id + '? It is deleted cluster-wide.', reload),
        act('NACK', 'job/nack', 'NACK job ' + id + '? It goes back to the front of its queue.', reload),
        act('Requeue', 'job/enqueue', 'Put job ' + id + ' back in its queue now (ENQUEUE)?', reload),
        act('Delete', 'job/delete', 'Delete job ' + id + ' from every node, without acknowledging it?', reload),
        origin ? act('Requeue to ' + origin, 'requeue', 'Move this dead letter back to queue "' + origin + '"?', function (r) { location.hash = '#/job/' + encodeURIComponent(r.id); }) : null
      ]));
      var fields = [['Queue', job.queue === null ? '–' : queueLink(job.queue)], ['State', job.state], ['Created', new Date(job.createdAt).toLocaleString()],
        ['Replicate', fmt(job.replicate)], ['TTL left', dur(job.ttl)], ['Delay', dur(job.delay)], ['Retry', job.retry === 0 ? 'never (at most once)' : dur(job.retry)],
        ['NACKs', fmt(job.nacks)], ['Redeliveries', fmt(job.additionalDeliveries)],
        ['Delivered by', (job.nodesDelivered || []).join(', ') || '–'], ['Confirmed by', (job.nodesConfirmed || []).join(', ') || '–'],
        ['Requeue within', dur(job.nextRequeueWithin)],
        ['Awake within', dur(job.nextAwakeWithin)], ['Shown by', job.shownBy]];
      var dl = h('dl');
      fields.forEach(function (f) { add(dl, [h('dt', null, f[0]), h('dd', null, f[1])]); });
      add(app, h('div', { class: 'card' }, dl));
      var b = job.body;
      add(app, [h('h2', null, 'Body (' + b.kind + ', ' + fmt(b.bytes) + ' bytes' + (b.truncated ? ', start only' : '') + ')'),
        h('pre', { class: 'body', id: 'job-body' }, b.text)]);
    }).catch(failed);
  }

  function deadView() {
    clear(app);
    add(app, h('h1', null, 'Dead letters'));
    var mine = view;
    get('dead').then(function (list) {
      if (mine !== view) return;
      if (!list.length) {
        add(app, h('p', { class: 'muted' }, 'No dead-letter queue configured. Start the dashboard with --dead-letter images-failed=images (or the deadLetters option) for each process({ deadLetter }) queue.'));
        return;
      }
      add(app, table([{ label: 'Dead-letter queue' }, { label: 'Jobs', num: 1 }, { label: 'Original queue' }],
        list.map(function (d) { return h('tr', null, [h('td', null, queueLink(d.name)), td(fmt(d.len), 'num'), h('td', null, queueLink(d.original))]); })));
    }).catch(failed);
  }

  function render() {
    view++;
    if (timer) clearTimeout(timer);
    var hash = location.hash || '#/';
    var m;
    if ((m = /^#\/queue\/(.+)$/.exec(hash))) return queueView(decodeURIComponent(m[1]));
    if ((m = /^#\/job\/(.+)$/.exec(hash))) return jobView(decodeURIComponent(m[1]));
    if (hash === '#/dead') return deadView();
    return clusterView();
  }
  window.addEventListener('hashchange', render);
  get('config').then(function (c) { config = c; }).catch(failed).then(render);
})();
`;
