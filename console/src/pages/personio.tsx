// Talentwunder → Personio: the career site's open jobs, project → job links, and
// Talentwunder's uploads with every profile's status.
import { useState } from 'preact/hooks';
import { api, ok } from '../api/client';
import { TextField } from '../fields';
import { useI18n } from '../i18n';
import { href } from '../router';
import { place, type FieldSpec } from '../schemaform';
import { FormProblems } from './connect';
import { ConnectionFrame } from './connection';
import { Dialog, FormButtons, Loading, PageTitle, ProblemView, TableWrap, Time, useAction, useLoad } from '../ui';

type Params = { tenant: string; connection: string };

interface FeedJob {
  id: number;
  name: string;
  office?: string;
  department?: string;
  employment_type?: string;
}

interface Link {
  project_id: string;
  project_name?: string | null;
  job_position_id: number;
  job_name: string;
  linked_at: string;
}

interface Upload {
  upload_id: string;
  project_id: string;
  project_name?: string | null;
  job_position_id: number;
  job_name: string;
  uploaded_by?: string | null;
  received_at: string;
  profiles: number;
}

const LINK_SPECS: FieldSpec[] = ['project', 'job', 'job_position_id', 'project_name'].map((key) => ({
  key,
  name: key,
  kind: 'string',
  nullable: false,
  required: key !== 'project_name',
  secret: false,
}));

export function PersonioPage({ tenant, connection }: Params) {
  const { t } = useI18n();
  const path = { tenant, connection };
  const jobs = useLoad(
    () => ok(api.GET('/v1/tenants/{tenant}/connections/{connection}/personio/jobs', { params: { path } })).then((r) => r.items as unknown as FeedJob[]),
    [tenant, connection],
  );
  const links = useLoad(
    () => ok(api.GET('/v1/tenants/{tenant}/connections/{connection}/personio/links', { params: { path } })).then((r) => r.items as unknown as Link[]),
    [tenant, connection],
  );
  const uploads = useLoad(
    () => ok(api.GET('/v1/tenants/{tenant}/connections/{connection}/personio/uploads', { params: { path } })).then((r) => r.items as unknown as Upload[]),
    [tenant, connection],
  );
  const [linking, setLinking] = useState(false);
  const [unlinking, setUnlinking] = useState<Link>();
  const action = useAction();
  const unlink = async () => {
    if (!unlinking) return;
    const done = await action.run(() =>
      ok(
        api.DELETE('/v1/tenants/{tenant}/connections/{connection}/personio/links/{project}', {
          params: { path: { ...path, project: unlinking.project_id } },
        }),
      ).then(() => true),
    );
    setUnlinking(undefined);
    if (done) links.reload();
  };
  return (
    <ConnectionFrame tenant={tenant} connection={connection} current="personio">
      <PageTitle sub={connection}>{t('personio.title')}</PageTitle>
      <section>
        <h2 id="links-h">{t('personio.links')}</h2>
        <p class="hint">{t('personio.links_hint')}</p>
        <p class="actions">
          <button type="button" class="primary" onClick={() => setLinking(true)}>
            {t('personio.link')}
          </button>
        </p>
        <ProblemView problem={action.problem} />
        {links.data ? (
          links.data.length === 0 ? (
            <p>{t('personio.no_links')}</p>
          ) : (
            <TableWrap label={t('personio.links')}>
              <table>
                <thead>
                  <tr>
                    <th scope="col">{t('personio.project')}</th>
                    <th scope="col">{t('personio.job')}</th>
                    <th scope="col">{t('personio.linked_at')}</th>
                    <th scope="col">{t('col.actions')}</th>
                  </tr>
                </thead>
                <tbody>
                  {links.data.map((l) => (
                    <tr key={l.project_id}>
                      <th scope="row">
                        {l.project_name ?? l.project_id} <span class="muted small">{l.project_id}</span>
                      </th>
                      <td>
                        {l.job_name} <span class="muted small">#{l.job_position_id}</span>
                      </td>
                      <td>
                        <Time iso={l.linked_at} />
                      </td>
                      <td>
                        <button type="button" class="danger" onClick={() => setUnlinking(l)}>
                          {t('personio.unlink')}
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
          )
        ) : (
          <Loading what={links} />
        )}
      </section>
      <section>
        <h2 id="feed-h">{t('personio.jobs')}</h2>
        {jobs.data ? (
          jobs.data.length === 0 ? (
            <p>{t('personio.no_jobs')}</p>
          ) : (
            <TableWrap label={t('personio.jobs')}>
              <table>
                <thead>
                  <tr>
                    <th scope="col">{t('personio.job_id')}</th>
                    <th scope="col">{t('personio.job')}</th>
                    <th scope="col">{t('personio.office')}</th>
                    <th scope="col">{t('personio.department')}</th>
                  </tr>
                </thead>
                <tbody>
                  {jobs.data.map((j) => (
                    <tr key={j.id}>
                      <td>{j.id}</td>
                      <th scope="row">{j.name}</th>
                      <td>{j.office ?? ''}</td>
                      <td>{j.department ?? ''}</td>
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
      <section>
        <h2 id="uploads-h">{t('personio.uploads')}</h2>
        {uploads.data ? (
          uploads.data.length === 0 ? (
            <p>{t('personio.no_uploads')}</p>
          ) : (
            <TableWrap label={t('personio.uploads')}>
              <table>
                <thead>
                  <tr>
                    <th scope="col">{t('personio.received')}</th>
                    <th scope="col">{t('personio.project')}</th>
                    <th scope="col">{t('personio.job')}</th>
                    <th scope="col" class="num">{t('personio.profiles')}</th>
                    <th scope="col">{t('personio.uploaded_by')}</th>
                  </tr>
                </thead>
                <tbody>
                  {uploads.data.map((u) => (
                    <tr key={u.upload_id}>
                      <th scope="row">
                        <a href={href({ page: 'upload', tenant, connection, upload: u.upload_id })}>
                          <Time iso={u.received_at} />
                        </a>
                      </th>
                      <td>{u.project_name ?? u.project_id}</td>
                      <td>{u.job_name}</td>
                      <td class="num">{u.profiles}</td>
                      <td>{u.uploaded_by ?? ''}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
          )
        ) : (
          <Loading what={uploads} />
        )}
      </section>
      <Dialog open={linking} title={t('personio.link')} onClose={() => setLinking(false)}>
        <LinkForm
          tenant={tenant}
          connection={connection}
          jobs={jobs.data ?? []}
          onDone={() => {
            setLinking(false);
            links.reload();
          }}
          onCancel={() => setLinking(false)}
        />
      </Dialog>
      <Dialog open={!!unlinking} title={t('personio.unlink')} onClose={() => setUnlinking(undefined)}>
        <p>{t('personio.unlink_body', { project: unlinking?.project_name ?? unlinking?.project_id ?? '' })}</p>
        <div class="actions">
          <button type="button" class="danger" onClick={unlink}>
            {t('personio.unlink')}
          </button>
          <button type="button" onClick={() => setUnlinking(undefined)} autoFocus>
            {t('cancel')}
          </button>
        </div>
      </Dialog>
    </ConnectionFrame>
  );
}

function LinkForm({
  tenant,
  connection,
  jobs,
  onDone,
  onCancel,
}: Params & { jobs: FeedJob[]; onDone: () => void; onCancel: () => void }) {
  const { t } = useI18n();
  const [project, setProject] = useState('');
  const [name, setName] = useState('');
  const [job, setJob] = useState('');
  const action = useAction();
  const placed = place(action.problem, { link: LINK_SPECS });
  const jobMessages = [...(placed.fields['link.job'] ?? []), ...(placed.fields['link.job_position_id'] ?? [])];
  const submit = async (e: Event) => {
    e.preventDefault();
    const r = await action.run(() =>
      ok(
        api.PUT('/v1/tenants/{tenant}/connections/{connection}/personio/links/{project}', {
          params: { path: { tenant, connection, project: project.trim() } },
          body: { job_position_id: Number(job), ...(name.trim() ? { project_name: name.trim() } : {}) },
        }),
      ),
    );
    if (r) onDone();
  };
  return (
    <form class="form" onSubmit={submit} noValidate>
      <FormProblems problem={action.problem} placed={placed} />
      <TextField id="link-project" label={t('personio.project_id')} value={project} onInput={setProject} required />
      <TextField id="link-name" label={t('personio.project_name')} value={name} onInput={setName} />
      <div class={`field${jobMessages.length ? ' field-invalid' : ''}`}>
        <label for="link-job">
          {t('personio.job')}
          <span class="required" aria-hidden="true">
            {' '}
            *
          </span>
        </label>
        <select
          id="link-job"
          value={job}
          aria-required="true"
          aria-invalid={jobMessages.length ? 'true' : undefined}
          aria-describedby={jobMessages.length ? 'link-job-error' : undefined}
          onChange={(e) => setJob(e.currentTarget.value)}
        >
          <option value="">—</option>
          {jobs.map((j) => (
            <option key={j.id} value={String(j.id)}>
              {j.name} (#{j.id})
            </option>
          ))}
        </select>
        {jobMessages.length ? (
          <p class="field-error" id="link-job-error">
            {jobMessages.join(' ')}
          </p>
        ) : null}
      </div>
      <FormButtons submit={t('personio.link')} busy={action.busy} onCancel={onCancel} />
    </form>
  );
}

interface UploadStatus {
  upload: Upload;
  counts: Record<string, number>;
  profiles: { n: number; profileId?: string; profile: string; status: string; reason?: string | null; at?: string | null }[];
}

export function UploadPage({ tenant, connection, upload }: Params & { upload: string }) {
  const { t } = useI18n();
  const u = useLoad(
    () =>
      ok(
        api.GET('/v1/tenants/{tenant}/connections/{connection}/personio/uploads/{upload}', {
          params: { path: { tenant, connection, upload } },
        }),
      ).then((r) => r as unknown as UploadStatus),
    [tenant, connection, upload],
  );
  return (
    <ConnectionFrame tenant={tenant} connection={connection} current="personio">
      <PageTitle sub={upload}>{t('personio.upload')}</PageTitle>
      {u.data ? (
        <>
          <dl class="summary">
            <div>
              <dt>{t('personio.received')}</dt>
              <dd>
                <Time iso={u.data.upload.received_at} />
              </dd>
            </div>
            <div>
              <dt>{t('personio.project')}</dt>
              <dd>{u.data.upload.project_name ?? u.data.upload.project_id}</dd>
            </div>
            <div>
              <dt>{t('personio.job')}</dt>
              <dd>{u.data.upload.job_name}</dd>
            </div>
            {Object.entries(u.data.counts).map(([k, n]) => (
              <div key={k}>
                <dt>{k}</dt>
                <dd>{n}</dd>
              </div>
            ))}
          </dl>
          <TableWrap label={t('personio.profiles')}>
            <table>
              <thead>
                <tr>
                  <th scope="col" class="num">#</th>
                  <th scope="col">{t('personio.profile')}</th>
                  <th scope="col">{t('col.status')}</th>
                  <th scope="col">{t('personio.reason')}</th>
                  <th scope="col">{t('personio.at')}</th>
                </tr>
              </thead>
              <tbody>
                {u.data.profiles.map((p) => (
                  <tr key={p.n}>
                    <td class="num">{p.n}</td>
                    <th scope="row">{p.profile}</th>
                    <td>{p.status}</td>
                    <td>{p.reason ?? ''}</td>
                    <td>
                      <Time iso={p.at} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        </>
      ) : (
        <Loading what={u} />
      )}
    </ConnectionFrame>
  );
}
