/**
 * The status page at `/`: plain server-rendered HTML, one renderer. The page's little script fetches the same
 * rendering of the body (`/status/fragment`) every few seconds and swaps it in, so it refreshes without a reload and
 * no markup is built in the browser. Every value that came from the cluster or from git (resource names, commit
 * messages' revisions, errors, reasons) goes through `html`'s escaping; a strict Content-Security-Policy (no inline
 * script, same-origin only) is the second line.
 */
import type { ControllerStatus } from './controller';

/** Text already escaped (a fragment built by `html`). */
class Safe {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A template whose interpolations are escaped unless they are `Safe` fragments (or arrays of them). */
function html(strings: TemplateStringsArray, ...values: unknown[]): Safe {
  const part = (value: unknown): string =>
    value instanceof Safe ? value.text : Array.isArray(value) ? value.map(part).join('') : escapeHtml(value);
  return new Safe(strings.reduce((out, text, i) => out + text + (i < values.length ? part(values[i]) : ''), ''));
}

export type StatusPageData = ControllerStatus & {
  environment?: string;
  source?: { git?: { url: string; branch: string; path: string }; local?: string };
  modes?: Record<string, string>;
};

const short = (revision: string | null | undefined) => (revision ? revision.slice(0, 12) : '—');

/** `good` is the status that is good news for this condition (True for Ready, False for Stalled). */
function badge(status: string, text: string, good: 'True' | 'False' | null = 'True'): Safe {
  const tone = good === null || status === 'Unknown' ? 'unknown' : status === good ? 'true' : 'false';
  return html`<span class="badge ${tone}">${text}</span>`;
}

const GOOD: Record<string, 'True' | 'False' | null> = { Ready: 'True', Stalled: 'False', Reconciling: null };

function conditions(status: StatusPageData): Safe {
  const rows = status.conditions.map(
    (c) =>
      html`<tr data-condition="${c.type}">
        <th>${c.type}</th>
        <td>${badge(c.status, c.status, GOOD[c.type])}</td>
        <td><code>${c.reason}</code></td>
        <td>${c.message}</td>
        <td class="when">${c.lastTransitionTime}</td>
      </tr>`,
  );
  return html`<table class="conditions">
    <thead>
      <tr>
        <th>Condition</th>
        <th>Status</th>
        <th>Reason</th>
        <th>Message</th>
        <th>Since</th>
      </tr>
    </thead>
    <tbody>
      ${rows}
    </tbody>
  </table>`;
}

function revisions(status: StatusPageData): Safe {
  const signature = status.signature;
  const verdict = signature
    ? signature.verified
      ? html`<dd id="signature" class="ok">verified, signed by ${signature.signer ?? 'an allowed signer'}</dd>`
      : html`<dd id="signature" class="bad">refused: ${signature.reason}</dd>`
    : html`<dd id="signature">not checked (no <code>source.git.verify</code>)</dd>`;
  return html`<dl class="revisions">
    <dt>Applied</dt>
    <dd id="applied-revision">
      <code title="${status.lastAppliedRevision ?? ''}">${short(status.lastAppliedRevision)}</code>
    </dd>
    <dt>Attempted</dt>
    <dd id="attempted-revision">
      <code title="${status.lastAttemptedRevision ?? ''}">${short(status.lastAttemptedRevision)}</code>
    </dd>
    <dt>Signature</dt>
    ${verdict}
    <dt>Last trigger</dt>
    <dd>${status.lastHandledTrigger ?? '—'} <span class="when">${status.lastHandledTriggerAt ?? ''}</span></dd>
  </dl>`;
}

function drift(status: StatusPageData): Safe {
  if (status.drift.length === 0) return html`<p id="drift" class="empty">No drift: the cluster matches git.</p>`;
  // Each change as the plan prints it (the report's text renderer), not a second rendering.
  const items = status.drift.map(
    (item) =>
      html`<li>
        <pre>${item.plan ?? `${item.action} ${item.kind} ${item.resource}`}</pre>
        ${item.origin ? html`<span class="origin">declared at ${item.origin}</span>` : ''}
      </li>`,
  );
  return html`<ul id="drift" class="drift">
    ${items}
  </ul>`;
}

function history(status: StatusPageData): Safe {
  const rows = status.history.map(
    (run) =>
      html`<tr class="${run.result}">
        <td class="when">${run.at}</td>
        <td><code>${short(run.revision)}</code>${run.fallback ? ' (last good)' : ''}</td>
        <td>${run.trigger}</td>
        <td>${run.durationMs} ms</td>
        <td>${run.result}</td>
        <td>${run.counts.planned}/${run.counts.applied}/${run.counts.failed}/${run.counts.unhealed}</td>
      </tr>`,
  );
  return html`<table id="history">
    <thead>
      <tr>
        <th>At</th>
        <th>Revision</th>
        <th>Trigger</th>
        <th>Took</th>
        <th>Result</th>
        <th title="planned / applied / failed / not healed">Changes</th>
      </tr>
    </thead>
    <tbody>
      ${rows}
    </tbody>
  </table>`;
}

function lastError(status: StatusPageData): Safe {
  const error = status.lastError;
  const problems = status.badCommit?.problems ?? [];
  if (!error && problems.length === 0 && !status.sourceError) return html`<p id="last-error" class="empty">None.</p>`;
  return html`<div id="last-error">
    ${
      error
        ? html`<p>
              <strong>${error.step}</strong> at <span class="when">${error.at}</span> (commit
              <code>${short(error.revision)}</code>)
            </p>
            <pre>${error.message}</pre>`
        : ''
    }${
      problems.length
        ? html`<p>Commit <code>${short(status.badCommit?.revision)}</code> is not applied:</p>
            <pre>${problems.join('\n')}</pre>`
        : ''
    }${status.sourceError ? html`<p>Source: ${status.sourceError.message}</p>` : ''}
  </div>`;
}

/** The part of the page the script refreshes. */
export function renderStatusFragment(status: StatusPageData): string {
  const ready = status.conditions.find((c) => c.type === 'Ready');
  const source = status.source?.git
    ? `${status.source.git.url}#${status.source.git.branch}:${status.source.git.path}`
    : (status.source?.local ?? '');
  return html`<header>
      <h1>msk-gitops · <span id="environment">${status.environment ?? 'default'}</span></h1>
      <p class="summary">${badge(ready?.status ?? 'Unknown', ready?.reason ?? 'Unknown')} ${ready?.message ?? ''}</p>
      <p class="source">
        ${source} · modes
        ${Object.entries(status.modes ?? {})
          .map(([kind, mode]) => `${kind} ${mode}`)
          .join(', ')}${status.running ? ' · reconciling now' : ''}
      </p>
    </header>
    <section>
      <h2>Conditions</h2>
      ${conditions(status)}
    </section>
    <section>
      <h2>Revisions</h2>
      ${revisions(status)}
    </section>
    <section>
      <h2>Drift</h2>
      ${drift(status)}
    </section>
    <section>
      <h2>Last error</h2>
      ${lastError(status)}
    </section>
    <section>
      <h2>Runs (last ${status.history.length})</h2>
      ${history(status)}
    </section>`.text;
}

export function renderStatusPage(status: StatusPageData): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>msk-gitops · ${escapeHtml(status.environment ?? 'default')}</title>
<link rel="stylesheet" href="/status.css"><script src="/status.js" defer></script></head>
<body><main id="status" data-refresh-ms="2000">${renderStatusFragment(status)}</main>
<footer>Refreshed <span id="refreshed">${escapeHtml(new Date().toISOString())}</span> · <a href="/status">JSON</a> · <a href="/metrics">metrics</a></footer>
</body></html>
`;
}

/** Swaps in a fresh rendering every few seconds; keeps the old one (and says so) when the controller is away. */
export const STATUS_PAGE_SCRIPT = `'use strict';
(function () {
  var main = document.getElementById('status');
  var stamp = document.getElementById('refreshed');
  var every = Number(main.getAttribute('data-refresh-ms')) || 2000;
  function refresh() {
    fetch('/status/fragment', { cache: 'no-store' })
      .then(function (response) {
        if (!response.ok) throw new Error('HTTP ' + response.status);
        return response.text();
      })
      .then(function (text) {
        main.innerHTML = text;
        stamp.textContent = new Date().toISOString();
        document.body.classList.remove('stale');
      })
      .catch(function () {
        document.body.classList.add('stale');
      })
      .then(function () {
        setTimeout(refresh, every);
      });
  }
  setTimeout(refresh, every);
})();
`;

export const STATUS_PAGE_STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1100px; padding: 1rem 1.5rem; color: #1d2329; }
body.stale main { opacity: .55; }
h1 { font-size: 1.4rem; margin: .2rem 0; } h2 { font-size: 1.05rem; margin: 1.4rem 0 .4rem; border-bottom: 1px solid #dde2e6; }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: .25rem .5rem; border-bottom: 1px solid #eef1f3; vertical-align: top; }
code, pre { font-family: ui-monospace, monospace; font-size: 12.5px; } pre { margin: 0; white-space: pre-wrap; }
.badge { display: inline-block; padding: 0 .5rem; border-radius: 1rem; font-weight: 600; color: #fff; background: #6c757d; }
.badge.true { background: #1f8a4c; } .badge.false { background: #c0392b; }
.when, .source, .origin, footer { color: #5f6b76; font-size: 12px; } .origin { display: block; margin-left: 1rem; }
dl.revisions { display: grid; grid-template-columns: 8rem 1fr; gap: .2rem .8rem; } dd { margin: 0; }
.ok { color: #1f8a4c; } .bad { color: #c0392b; font-weight: 600; }
ul.drift { padding-left: 1rem; } ul.drift li { margin: .2rem 0; } .empty { color: #5f6b76; }
tr.failed td, tr.invalid td, tr.refused td, tr.unverified td, tr.source-error td { color: #c0392b; }
`;
