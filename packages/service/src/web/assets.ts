/**
 * Our own small stylesheet and scripts, served from memory under /assets/web/ (so they ship inside the
 * compiled package). Scripts are progressive enhancements only: every page works without them except
 * artifact upload, which says so and offers the digests-only route.
 */

const SITE_CSS = `
.web-main { padding-top: 1.5rem; padding-bottom: 3rem; }
.web-inline-form { display: inline; }
.web-session { display: flex; gap: 1rem; align-items: center; }
.web-who { font-size: 0.93rem; }
.web-side { margin-bottom: 1.5rem; }
.web-pre { white-space: pre-wrap; word-break: break-word; font-family: "Roboto Mono", monospace; font-size: 0.87rem;
  background: #f0f0f0; padding: 0.75rem; }
pre.web-pre { max-height: 30rem; overflow: auto; }
.web-upload { border: 1px solid #dfe1e2; padding: 1rem; margin-bottom: 1rem; }
.web-upload progress { width: 100%; height: 1.25rem; margin-top: 0.5rem; }
.web-status-error { color: #b50909; font-weight: bold; }
.web-timeline { list-style: none; padding-left: 0; border-left: 4px solid #005ea2; }
.web-timeline li { margin: 0 0 0.75rem 0; padding-left: 1rem; }
.web-timeline time { display: block; font-size: 0.87rem; color: #565c65; }
.web-tag-critical { background: #b50909; }
.web-tag-high { background: #c05600; }
.web-tag-medium { background: #936f38; }
.web-tag-low { background: #005ea2; }
.web-tag-info { background: #565c65; }
.web-actions { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: flex-end; margin: 1rem 0; }
.web-actions form { margin: 0; }
.web-digest { font-family: "Roboto Mono", monospace; font-size: 0.8rem; word-break: break-all; }
`;

/** Attaching an evidence file: the raw bytes go to the evidence API (same origin, session cookie). */
const EVIDENCE_JS = `(function () {
  'use strict';
  Array.prototype.forEach.call(document.querySelectorAll('[data-needs-js]'), function (el) { el.hidden = false; });
  Array.prototype.forEach.call(document.querySelectorAll('[data-no-js]'), function (el) { el.hidden = true; });
  var form = document.getElementById('evidence-form');
  if (!form) return;
  var status = document.getElementById('evidence-status');
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var file = form.querySelector('input[type=file]').files[0];
    if (!file) { status.textContent = 'Choose a file first.'; return; }
    var type = (file.type || '').toLowerCase();
    if (!/^[a-z0-9.+-]+\\/[a-z0-9.+-]+$/.test(type)) type = 'application/octet-stream';
    var url = '/api/v1/findings/' + encodeURIComponent(form.getAttribute('data-finding')) + '/evidence?name=' +
      encodeURIComponent(file.name.slice(0, 200)) + '&mediaType=' + encodeURIComponent(type);
    status.className = '';
    status.textContent = 'Uploading ' + file.name + '…';
    fetch(url, { method: 'POST', body: file, credentials: 'same-origin', headers: { 'content-type': 'application/octet-stream' } })
      .then(function (res) {
        if (res.ok) { window.location.reload(); return; }
        return res.json().then(function (p) { throw new Error(p.detail || ('HTTP ' + res.status)); });
      })
      .catch(function (err) { status.className = 'web-status-error'; status.textContent = 'Not attached: ' + err.message; });
  });
})();
`;

const UPLOAD_JS = `(function () {
  'use strict';
  var CHUNK = 256 * 1024;
  var MAX_FAILURES = 6;
  function each(selector, fn) { Array.prototype.forEach.call(document.querySelectorAll(selector), fn); }
  each('[data-needs-js]', function (el) { el.hidden = false; });
  each('[data-no-js]', function (el) { el.hidden = true; });
  function wait(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }
  each('.web-upload', function (box) {
    var id = box.getAttribute('data-artifact');
    var size = Number(box.getAttribute('data-size'));
    var url = '/api/v1/artifacts/' + encodeURIComponent(id) + '/upload';
    var input = box.querySelector('input[type=file]');
    var button = box.querySelector('button[data-upload]');
    var bar = box.querySelector('progress');
    var status = box.querySelector('[data-status]');
    function say(text, bad) {
      status.textContent = text;
      status.className = bad ? 'web-status-error' : '';
    }
    function show(received) {
      bar.max = size > 0 ? size : 1;
      bar.value = size > 0 ? received : 1;
      say(received + ' of ' + size + ' bytes received (' + (size > 0 ? Math.floor((received * 100) / size) : 100) + '%)');
    }
    async function offsetNow() {
      var r = await fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json' } });
      if (!r.ok) throw new Error('the service answered ' + r.status);
      var j = await r.json();
      return j.artifact.state === 'stored' ? -1 : j.received;
    }
    async function run() {
      var file = input.files && input.files[0];
      if (!file) { say('Choose the file first.', true); return; }
      if (file.size !== size) {
        say('This file has ' + file.size + ' bytes; the manifest lists ' + size + ' bytes.', true);
        return;
      }
      button.disabled = true;
      var failures = 0;
      var offset;
      try { offset = await offsetNow(); } catch (e) { say('Could not reach the service: ' + e.message, true); button.disabled = false; return; }
      if (offset < 0) { done(); return; }
      show(offset);
      var first = true;
      while (first || offset < size) {
        first = false;
        try {
          var r = await fetch(url, {
            method: 'PATCH',
            credentials: 'same-origin',
            headers: { 'content-type': 'application/offset+octet-stream', 'upload-offset': String(offset) },
            body: file.slice(offset, Math.min(size, offset + CHUNK)),
          });
          var j = {};
          try { j = await r.json(); } catch (ignored) { j = {}; }
          if (r.ok) {
            offset = j.received;
            failures = 0;
            show(offset);
            if (j.artifact && j.artifact.state === 'stored') { done(); return; }
          } else if (r.status === 409 && typeof j.offset === 'number') {
            offset = j.offset;
          } else if (r.status === 422 || r.status === 413 || r.status === 403 || r.status === 404) {
            say(j.detail || ('The service refused the upload (' + r.status + ').'), true);
            button.disabled = false;
            return;
          } else {
            throw new Error(j.detail || ('the service answered ' + r.status));
          }
        } catch (e) {
          failures += 1;
          if (failures > MAX_FAILURES) {
            say('Upload paused (' + e.message + '). Choose Upload again to resume where it stopped.', true);
            button.disabled = false;
            return;
          }
          say('Connection problem; resuming…');
          await wait(300 * failures);
          try { var at = await offsetNow(); if (at < 0) { done(); return; } offset = at; } catch (ignored) { /* retry */ }
        }
      }
      done();
    }
    function done() {
      bar.max = 1;
      bar.value = 1;
      say('Uploaded and verified.');
      box.setAttribute('data-done', 'true');
      button.disabled = true;
    }
    button.addEventListener('click', function () { run(); });
  });
})();
`;

const MANIFEST_JS = `(function () {
  'use strict';
  var file = document.getElementById('manifest-file');
  var area = document.getElementById('manifest');
  if (!file || !area) return;
  var wrap = document.getElementById('manifest-file-group');
  if (wrap) wrap.hidden = false;
  file.addEventListener('change', function () {
    var f = file.files && file.files[0];
    if (!f) return;
    f.text().then(function (t) { area.value = t; });
  });
})();
`;

export const OWN_ASSETS: Readonly<Record<string, { type: string; body: string }>> = {
  'site.css': { type: 'text/css; charset=utf-8', body: SITE_CSS },
  'upload.js': { type: 'text/javascript; charset=utf-8', body: UPLOAD_JS },
  'evidence.js': { type: 'text/javascript; charset=utf-8', body: EVIDENCE_JS },
  'manifest.js': { type: 'text/javascript; charset=utf-8', body: MANIFEST_JS },
};
