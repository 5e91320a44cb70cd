// One connection: its state, the actions on it (run now, dry run, pause, resume, disconnect), its runs
// newest first, and a run's counts and error report (with the CSV download).
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ok, saveBlob, type Connection, type ErrorRow, type Run } from '../api/client';
import { useI18n } from '../i18n';
import { go, href } from '../router';
import { zoneOfConnector, zoneLabel } from '../time';
import {
  AutomationBadge,
  Dialog,
  Loading,
  Notice,
  PageTitle,
  Pager,
  ProblemView,
  RunStatusBadge,
  TableWrap,
  Time,
  ZoneContext,
  useAction,
  useLoad,
  usePager,
} from '../ui';
import { connectorName } from './connections';

/** Runs seen in lists, so a run's page opened from a list needs no search. */
const seenRuns = new Map<string, Run>();

type Params = { tenant: string; connection: string };

function useConnection({ tenant, connection }: Params) {
  return useLoad(
    () => ok(api.GET('/v1/tenants/{tenant}/connections/{connection}', { params: { path: { tenant, connection } } })),
    [tenant, connection],
  );
}

/** The connection's header and sub-navigation, shared by its pages. */
export function ConnectionFrame({
  tenant,
  connection,
  current,
  children,
  conn,
}: Params & {
  current: 'runs' | 'settings' | 'hrbrain' | 'personio' | 'linkedin' | 'run';
  children: preact.ComponentChildren;
  conn?: Connection;
}) {
  const { t } = useI18n();
  const loaded = useConnection({ tenant, connection });
  const c = conn ?? loaded.data;
  if (!c) return <Loading what={loaded} />;
  const zone = zoneOfConnector(c.connector);
  const extra =
    c.connector === 'hrbrain-mikiwame'
      ? ({ page: 'hrbrain', label: t('tab.hrbrain') } as const)
      : c.connector === 'talentwunder-personio'
        ? ({ page: 'personio', label: t('tab.personio') } as const)
        : c.connector === 'recruitee-linkedin'
          ? ({ page: 'linkedin', label: t('tab.linkedin') } as const)
          : undefined;
  const tab = (page: 'connection' | 'settings' | 'hrbrain' | 'personio' | 'linkedin', label: string, on: boolean) => (
    <li>
      <a href={href({ page, tenant, connection })} aria-current={on ? 'page' : undefined}>
        {label}
      </a>
    </li>
  );
  return (
    <ZoneContext.Provider value={zone}>
      <p class="breadcrumb">
        <a href={href({ page: 'connections', tenant })}>{t('connections.title')}</a> /
      </p>
      <nav class="tabs" aria-label={t('tabs.label', { connection })}>
        <ul>
          {tab('connection', t('tab.runs'), current === 'runs' || current === 'run')}
          {tab('settings', t('tab.settings'), current === 'settings')}
          {extra ? tab(extra.page, extra.label, current === extra.page) : null}
          {c.connector === 'mynavi-hrmos' ? (
            <li>
              <a href={href({ page: 'mynavi', tenant })}>{t('tab.mynavi')}</a>
            </li>
          ) : null}
        </ul>
      </nav>
      {children}
    </ZoneContext.Provider>
  );
}

export function ConnectionPage({ tenant, connection }: Params) {
  const { t } = useI18n();
  const conn = useConnection({ tenant, connection });
  const [requestedAt, setRequestedAt] = useState<string | undefined>();
  const runsKey = useRef(0);
  const [, bump] = useState(0);
  const refreshRuns = () => {
    runsKey.current++;
    bump((n) => n + 1);
  };
  if (!conn.data) return <Loading what={conn} />;
  const c = conn.data;
  const zone = zoneOfConnector(c.connector);
  return (
    <ConnectionFrame tenant={tenant} connection={connection} current="runs" conn={c}>
      <PageTitle sub={`${connectorName(c.connector, t)} · ${t('times_in', { zone: zoneLabel(zone) })}`}>
        {connection}
      </PageTitle>
      <Summary c={c} />
      <Actions
        tenant={tenant}
        c={c}
        onChanged={conn.reload}
        onRequested={(at) => {
          setRequestedAt(at);
          refreshRuns();
        }}
      />
      <Runs tenant={tenant} connection={connection} requestedAt={requestedAt} refresh={runsKey.current} onSettled={conn.reload} />
    </ConnectionFrame>
  );
}

function Summary({ c }: { c: Connection }) {
  const { t } = useI18n();
  return (
    <dl class="summary">
      <div>
        <dt>{t('col.automation')}</dt>
        <dd>
          <AutomationBadge automation={c.automation} />
          {c.paused_reason ? <span class="small"> {c.paused_reason}</span> : null}
        </dd>
      </div>
      <div>
        <dt>{t('col.last_status')}</dt>
        <dd>
          <RunStatusBadge status={c.last_status} />
        </dd>
      </div>
      <div>
        <dt>{t('col.last_success')}</dt>
        <dd>
          <Time iso={c.last_success_at} />
        </dd>
      </div>
      <div>
        <dt>{t('col.next_run')}</dt>
        <dd>{c.automation === 'on' ? <Time iso={c.next_run_at} /> : <span class="muted">{t('next_run.none')}</span>}</dd>
      </div>
      <div>
        <dt>{t('col.failures')}</dt>
        <dd>{c.consecutive_failures}</dd>
      </div>
      <div class="wide">
        <dt>{t('col.last_error')}</dt>
        <dd>{c.last_error ? <span class="text-bad">{c.last_error}</span> : <span class="muted">—</span>}</dd>
      </div>
    </dl>
  );
}

function Actions({
  tenant,
  c,
  onChanged,
  onRequested,
}: {
  tenant: string;
  c: Connection;
  onChanged: () => void;
  onRequested: (at: string) => void;
}) {
  const { t } = useI18n();
  const action = useAction();
  const [notice, setNotice] = useState<string>();
  const [confirm, setConfirm] = useState(false);
  const path = { tenant, connection: c.connection };
  const runNow = async (dryRun = false) => {
    const r = await action.run(() =>
      ok(
        api.POST('/v1/tenants/{tenant}/connections/{connection}/runs', {
          params: { path, query: dryRun ? { dry_run: true } : {} },
        }),
      ),
    );
    if (r) {
      setNotice(t(dryRun ? 'run.dry_requested' : 'run.requested'));
      onRequested(r.requested_at);
    }
  };
  const toggle = async (on: boolean) => {
    const r = await action.run(() =>
      ok(
        on
          ? api.POST('/v1/tenants/{tenant}/connections/{connection}/resume', { params: { path } })
          : api.POST('/v1/tenants/{tenant}/connections/{connection}/pause', { params: { path } }),
      ),
    );
    if (r) {
      setNotice(on ? t('resumed') : t('paused'));
      onChanged();
    }
  };
  const disconnect = async () => {
    const done = await action.run(() =>
      ok(
        api.DELETE('/v1/tenants/{tenant}/connections/{connection}', {
          params: { path },
        }),
      ).then(() => true),
    );
    setConfirm(false);
    if (done) go({ page: 'connections', tenant });
  };
  return (
    <section class="card">
      <h2 id="actions-h">{t('actions.title')}</h2>
      <div class="actions">
        <button type="button" class="primary" disabled={action.busy} onClick={() => runNow()}>
          {t('action.run_now')}
        </button>
        <button type="button" disabled={action.busy} onClick={() => runNow(true)}>
          {t('action.dry_run')}
        </button>
        {c.automation === 'on' ? (
          <button type="button" disabled={action.busy} onClick={() => toggle(false)}>
            {t('action.pause')}
          </button>
        ) : (
          <button type="button" disabled={action.busy} onClick={() => toggle(true)}>
            {t('action.resume')}
          </button>
        )}
        {c.connector === 'mynavi-hrmos' ? (
          <a class="button" href={href({ page: 'mynavi', tenant })}>
            {t('action.mynavi_delete')}
          </a>
        ) : (
          <button type="button" class="danger" disabled={action.busy} onClick={() => setConfirm(true)}>
            {t('action.disconnect')}
          </button>
        )}
      </div>
      <p class="hint">{t('actions.hint')}</p>
      <Notice text={notice} />
      <ProblemView problem={action.problem} />
      <Dialog open={confirm} title={t('disconnect.title', { connection: c.connection })} onClose={() => setConfirm(false)}>
        <p>{t('disconnect.intro', { connection: c.connection })}</p>
        <ul>
          <li>{t('disconnect.secret')}</li>
          <li>{t('disconnect.state')}</li>
          <li>{t('disconnect.runs')}</li>
          <li>{t('disconnect.inflight')}</li>
        </ul>
        <p>{t('disconnect.pause_instead')}</p>
        <div class="actions">
          <button type="button" class="danger" disabled={action.busy} onClick={disconnect}>
            {t('disconnect.confirm', { connection: c.connection })}
          </button>
          <button type="button" onClick={() => setConfirm(false)} autoFocus>
            {t('cancel')}
          </button>
        </div>
      </Dialog>
    </section>
  );
}

const UNFINISHED = new Set(['running', 'continued']);

function Runs({
  tenant,
  connection,
  requestedAt,
  refresh,
  onSettled,
}: Params & { requestedAt?: string; refresh: number; onSettled: () => void }) {
  const { t } = useI18n();
  const pager = usePager();
  const [tick, setTick] = useState(0);
  const list = useLoad(async () => {
    const page = await ok(
      api.GET('/v1/tenants/{tenant}/connections/{connection}/runs', {
        params: { path: { tenant, connection }, query: { limit: 20, cursor: pager.cursor } },
      }),
    );
    for (const r of page.items) seenRuns.set(`${tenant}/${connection}/${r.run_id}`, r);
    return page;
  }, [tenant, connection, pager.cursor, refresh, tick]);
  // After "run now": look again every 2 s until the requested run has finished (at most 3 min).
  const waiting = useRef<{ since: string; until: number } | undefined>();
  useEffect(() => {
    if (requestedAt) waiting.current = { since: requestedAt, until: Date.now() + 180_000 };
  }, [requestedAt]);
  useEffect(() => {
    const w = waiting.current;
    if (!list.data || pager.page !== 1) return;
    if (!w) {
      // A run under way (started by the schedule, a webhook or someone else): follow it.
      if (!list.data.items[0] || !UNFINISHED.has(list.data.items[0].status)) return;
      const timer = setTimeout(() => setTick((n) => n + 1), 3000);
      return () => clearTimeout(timer);
    }
    const newest = list.data.items[0];
    const done = newest && newest.started_at >= w.since.slice(0, 19) && !UNFINISHED.has(newest.status);
    if (done || Date.now() > w.until) {
      waiting.current = undefined;
      onSettled();
      return;
    }
    const timer = setTimeout(() => setTick((n) => n + 1), 2000);
    return () => clearTimeout(timer);
  }, [list.data]);
  return (
    <section>
      <h2 id="runs-h">{t('runs.title')}</h2>
      {list.data ? (
        list.data.items.length === 0 ? (
          <p>{t('runs.none')}</p>
        ) : (
          <>
            <TableWrap label={t('runs.title')}>
              <table class="runs">
                <thead>
                  <tr>
                    <th scope="col">{t('col.started')}</th>
                    <th scope="col">{t('col.status')}</th>
                    <th scope="col" class="num">{t('count.created')}</th>
                    <th scope="col" class="num">{t('count.updated')}</th>
                    <th scope="col" class="num">{t('count.unchanged')}</th>
                    <th scope="col" class="num">{t('count.rejected')}</th>
                    <th scope="col" class="num">{t('count.skipped')}</th>
                    <th scope="col">{t('col.finished')}</th>
                    <th scope="col">{t('col.error')}</th>
                  </tr>
                </thead>
                <tbody>
                  {list.data.items.map((r) => (
                    <tr key={r.run_id}>
                      <th scope="row">
                        <a href={href({ page: 'run', tenant, connection, run: r.run_id })}>
                          <Time iso={r.started_at} />
                        </a>
                        {r.dry_run ? <span class="tag">{t('run.dry')}</span> : null}
                        {r.scope ? <span class="tag">{t(`scope.${r.scope}` as 'scope.departments')}</span> : null}
                      </th>
                      <td>
                        <RunStatusBadge status={r.status} />
                      </td>
                      <td class="num">{r.counts.created}</td>
                      <td class="num">{r.counts.updated}</td>
                      <td class="num">{r.counts.unchanged}</td>
                      <td class="num">{r.counts.rejected}</td>
                      <td class="num">{r.counts.skipped}</td>
                      <td>
                        <Time iso={r.finished_at} />
                      </td>
                      <td class="error-cell">{r.error ?? ''}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
            <Pager pager={pager} next={list.data.next_cursor} older />
          </>
        )
      ) : (
        <Loading what={list} />
      )}
    </section>
  );
}

/** A run by its id: from a list seen before, else found by paging the runs (newest first). */
async function findRun(tenant: string, connection: string, run: string): Promise<Run> {
  const seen = seenRuns.get(`${tenant}/${connection}/${run}`);
  if (seen && !UNFINISHED.has(seen.status)) return seen;
  let cursor: string | undefined;
  for (let i = 0; i < 20; i++) {
    const page = await ok(
      api.GET('/v1/tenants/{tenant}/connections/{connection}/runs', {
        params: { path: { tenant, connection }, query: { limit: 500, cursor } },
      }),
    );
    const found = page.items.find((r) => r.run_id === run);
    if (found) return found;
    // Runs come newest first and ids start with the start time: past it, it is not there.
    if (!page.next_cursor || page.items.some((r) => r.run_id < run)) break;
    cursor = page.next_cursor;
  }
  throw new Error(`no run ${run}`);
}

export function RunPage({ tenant, connection, run }: Params & { run: string }) {
  const { t } = useI18n();
  const r = useLoad(() => findRun(tenant, connection, run), [tenant, connection, run]);
  return (
    <ConnectionFrame tenant={tenant} connection={connection} current="run">
      <PageTitle sub={connection}>{t('run.title')}</PageTitle>
      {r.data ? <RunDetail r={r.data} /> : <Loading what={r} />}
      <ErrorReport tenant={tenant} connection={connection} run={run} />
    </ConnectionFrame>
  );
}

function RunDetail({ r }: { r: Run }) {
  const { t } = useI18n();
  return (
    <dl class="summary">
      <div>
        <dt>{t('col.status')}</dt>
        <dd>
          <RunStatusBadge status={r.status} />
          {r.dry_run ? <span class="tag">{t('run.dry')}</span> : null}
        </dd>
      </div>
      <div>
        <dt>{t('col.started')}</dt>
        <dd>
          <Time iso={r.started_at} />
        </dd>
      </div>
      <div>
        <dt>{t('col.finished')}</dt>
        <dd>
          <Time iso={r.finished_at} />
        </dd>
      </div>
      {(['created', 'updated', 'unchanged', 'rejected', 'skipped'] as const).map((k) => (
        <div key={k}>
          <dt>{t(`count.${k}`)}</dt>
          <dd class={`count count-${k}`}>{r.counts[k]}</dd>
        </div>
      ))}
      <div>
        <dt>{t('run.pages')}</dt>
        <dd>{r.pages}</dd>
      </div>
      {r.segments ? (
        <div>
          <dt>{t('run.segments')}</dt>
          <dd>{r.segments}</dd>
        </div>
      ) : null}
      {r.scope ? (
        <div>
          <dt>{t('run.scope')}</dt>
          <dd>{t(`scope.${r.scope}` as 'scope.departments')}</dd>
        </div>
      ) : null}
      <div class="wide">
        <dt>{t('col.error')}</dt>
        <dd>{r.error ? <span class="text-bad">{r.error}</span> : <span class="muted">—</span>}</dd>
      </div>
      <div class="wide">
        <dt>{t('run.id')}</dt>
        <dd>
          <code>{r.run_id}</code>
        </dd>
      </div>
    </dl>
  );
}

/** The next CSV page's cursor and limit from a `Link: <…>; rel="next"` header. */
function nextFromLink(link: string | null): { cursor: string; limit?: number } | undefined {
  const m = link?.match(/<([^>]+)>\s*;\s*rel="?next"?/);
  if (!m) return undefined;
  const q = new URL(m[1], location.origin).searchParams;
  const cursor = q.get('cursor');
  if (!cursor) return undefined;
  const limit = Number(q.get('limit'));
  return { cursor, limit: Number.isFinite(limit) && limit > 0 ? limit : undefined };
}

/** The whole report as one CSV (every page the API links), with a BOM for Excel. */
export async function reportCsv(tenant: string, connection: string, run: string): Promise<Blob> {
  const parts: string[] = [];
  let next: { cursor?: string; limit?: number } | undefined = {};
  for (let i = 0; next && i < 1000; i++) {
    const { data, error, response } = await api.GET('/v1/tenants/{tenant}/connections/{connection}/runs/{run}/errors', {
      params: { path: { tenant, connection, run }, query: { cursor: next.cursor, limit: next.limit } },
      headers: { Accept: 'text/csv' },
      parseAs: 'text',
    });
    if (!response.ok) await ok(Promise.resolve({ data, error, response }));
    let text = String(data ?? '').replace(/^\uFEFF/, '');
    if (i > 0) text = text.slice(text.indexOf('\n') + 1);
    parts.push(text);
    next = nextFromLink(response.headers.get('Link'));
  }
  return new Blob(['\uFEFF', ...parts], { type: 'text/csv;charset=utf-8' });
}

function ErrorReport({ tenant, connection, run }: Params & { run: string }) {
  const { t } = useI18n();
  const pager = usePager();
  const rows = useLoad(
    () =>
      ok(
        api.GET('/v1/tenants/{tenant}/connections/{connection}/runs/{run}/errors', {
          params: { path: { tenant, connection, run }, query: { limit: 50, cursor: pager.cursor } },
        }),
      ) as Promise<{ items: ErrorRow[]; next_cursor?: string }>,
    [tenant, connection, run, pager.cursor],
  );
  const download = useAction();
  return (
    <section>
      <h2 id="report-h">{t('report.title')}</h2>
      {rows.data ? (
        rows.data.items.length === 0 && pager.page === 1 ? (
          <p>{t('report.none')}</p>
        ) : (
          <>
            <p class="actions">
              <button
                type="button"
                disabled={download.busy}
                onClick={() =>
                  download.run(async () =>
                    saveBlob(await reportCsv(tenant, connection, run), `${connection}-${run}-errors.csv`),
                  )
                }
              >
                {t('report.download')}
              </button>
            </p>
            <ProblemView problem={download.problem} />
            <TableWrap label={t('report.title')}>
              <table class="report">
                <thead>
                  <tr>
                    <th scope="col">{t('report.record')}</th>
                    <th scope="col">{t('report.reason')}</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.data.items.map((row, i) => (
                    <tr key={i}>
                      <td>
                        <code>{row.record}</code>
                      </td>
                      <td>{row.reason}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
            <Pager pager={pager} next={rows.data.next_cursor} />
          </>
        )
      ) : (
        <Loading what={rows} />
      )}
    </section>
  );
}
