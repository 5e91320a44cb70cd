// HRBrain → ミキワメ: HRBrainと同期 (departments or employees, a person's sync) and the
// バックグラウンド処理一覧 with each job's エラーファイル.
import { useEffect, useState } from 'preact/hooks';
import { api, ok, saveBlob, type HrbrainJob } from '../api/client';
import { useI18n } from '../i18n';
import { Badge, Loading, Notice, PageTitle, ProblemView, TableWrap, useAction, useLoad } from '../ui';
import { ConnectionFrame } from './connection';

type Params = { tenant: string; connection: string };

/** A job of バックグラウンド処理一覧 (docs/openapi.yaml's HrbrainJob). */
type Job = HrbrainJob;

export function HrbrainPage({ tenant, connection }: Params) {
  const { t } = useI18n();
  const [tick, setTick] = useState(0);
  const [polls, setPolls] = useState(0);
  const jobs = useLoad(
    () =>
      ok(api.GET('/v1/tenants/{tenant}/connections/{connection}/hrbrain/jobs', { params: { path: { tenant, connection } } })).then(
        (r) => r.items as Job[],
      ),
    [tenant, connection, tick],
  );
  const action = useAction();
  const download = useAction();
  const [notice, setNotice] = useState<string>();
  // While a job runs (or right after a sync was asked for), look again every 2 s.
  useEffect(() => {
    const running = jobs.data?.some((j) => j.status === '実行中');
    if (!jobs.data || (!running && polls <= 0)) return;
    const timer = setTimeout(() => {
      setPolls((n) => n - 1);
      setTick((n) => n + 1);
    }, 2000);
    return () => clearTimeout(timer);
  }, [jobs.data]);
  const sync = async (scope: 'departments' | 'employees') => {
    const r = await action.run(() =>
      ok(
        api.POST('/v1/tenants/{tenant}/connections/{connection}/runs', {
          params: { path: { tenant, connection }, query: { scope } },
        }),
      ),
    );
    if (r) {
      setNotice(t('hrbrain.requested', { what: t(`scope.${scope}`) }));
      setPolls(30);
      setTick((n) => n + 1);
    }
  };
  const errorFile = (job: Job) =>
    download.run(async () => {
      const { data, error, response } = await api.GET(
        '/v1/tenants/{tenant}/connections/{connection}/hrbrain/jobs/{run}/error-file',
        { params: { path: { tenant, connection, run: job.run_id } }, parseAs: 'blob' },
      );
      if (!response.ok || !data) await ok(Promise.resolve({ data, error, response }));
      saveBlob(data as Blob, `hrbrain-errors-${job.run_id}.csv`);
    });
  return (
    <ConnectionFrame tenant={tenant} connection={connection} current="hrbrain">
      <PageTitle sub={connection}>{t('hrbrain.title')}</PageTitle>
      <section class="card">
        <h2 id="sync-h">{t('hrbrain.sync')}</h2>
        <p class="hint">{t('hrbrain.sync_hint')}</p>
        <div class="actions">
          <button type="button" class="primary" disabled={action.busy} onClick={() => sync('departments')}>
            {t('hrbrain.sync_departments')}
          </button>
          <button type="button" class="primary" disabled={action.busy} onClick={() => sync('employees')}>
            {t('hrbrain.sync_employees')}
          </button>
        </div>
        <Notice text={notice} />
        <ProblemView problem={action.problem} />
      </section>
      <section>
        <h2 id="jobs-h">{t('hrbrain.jobs')}</h2>
        <p class="actions">
          <button type="button" onClick={() => setTick((n) => n + 1)}>
            {t('refresh')}
          </button>
        </p>
        <ProblemView problem={download.problem} />
        {jobs.data ? (
          jobs.data.length === 0 ? (
            <p>{t('hrbrain.none')}</p>
          ) : (
            <TableWrap label={t('hrbrain.jobs')}>
              <table class="jobs">
                <thead>
                  <tr>
                    <th scope="col">{t('hrbrain.what')}</th>
                    <th scope="col">{t('hrbrain.status')}</th>
                    <th scope="col">{t('hrbrain.started')}</th>
                    <th scope="col">{t('hrbrain.error_file')}</th>
                  </tr>
                </thead>
                <tbody>
                  {jobs.data.map((j) => (
                    <tr key={j.run_id}>
                      <th scope="row" lang="ja">
                        {j.what}
                        {j.dry_run ? <span class="tag">{t('run.dry')}</span> : null}
                        {j.error ? <div class="small text-bad">{j.error}</div> : null}
                      </th>
                      <td>
                        <Badge kind={j.status === '成功' ? 'ok' : j.status === '失敗' ? 'bad' : 'info'}>
                          <span lang="ja">{j.status}</span>
                        </Badge>
                      </td>
                      <td>
                        <time lang="ja">{j.started} JST</time>
                      </td>
                      <td>
                        {(j.errors ?? 0) > 0 ? (
                          <button type="button" class="link" disabled={download.busy} onClick={() => errorFile(j)}>
                            {t('hrbrain.download', { n: j.errors ?? 0 })}
                          </button>
                        ) : (
                          <>
                            <span aria-hidden="true">-</span>
                            <span class="visually-hidden">{t('hrbrain.no_file')}</span>
                          </>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
          )
        ) : (
          <Loading what={jobs} />
        )}
      </section>
    </ConnectionFrame>
  );
}
