// Recruitee ↔ LinkedIn RSC: activation and progress, "notify partner", the onboarding link
// for the customer's LinkedIn admin (the page with LinkedIn's widget is served by the stack at
// /onboarding/linkedin/{token}, not by this console), team members' LinkedIn accounts, exports.
import { useState } from 'preact/hooks';
import { api, ok } from '../api/client';
import { TextField } from '../fields';
import { useI18n } from '../i18n';
import { Badge, Loading, Notice, PageTitle, ProblemView, TableWrap, Time, useAction, useLoad } from '../ui';
import { ConnectionFrame } from './connection';

type Params = { tenant: string; connection: string };
type Action = 'link' | 'unlink' | 'accounts' | 'exports' | 'onboarding-link';

interface Activation {
  status: string;
  message: string;
  checked_at?: string;
}
interface Progress {
  phase: string;
  done: number;
  total?: number | null;
  eta?: string | null;
  note?: string | null;
  updated_at?: string | null;
}

function act(p: Params, action: Action, body: Record<string, unknown> = {}) {
  return ok(
    api.POST('/v1/tenants/{tenant}/connections/{connection}/linkedin/{action}', {
      params: { path: { ...p, action } },
      body,
    }),
  ) as Promise<Record<string, unknown>>;
}

const TTLS = ['1h', '24h', '7d'];

export function LinkedinPage({ tenant, connection }: Params) {
  const { t } = useI18n();
  const p = { tenant, connection };
  const status = useLoad(
    () =>
      ok(api.GET('/v1/tenants/{tenant}/connections/{connection}/linkedin', { params: { path: p } })).then(
        (r) => r as { activation: Activation | null; progress: Progress | null },
      ),
    [tenant, connection],
  );
  const refresh = useAction();
  const [notice, setNotice] = useState<string>();
  const notify = async () => {
    const r = await refresh.run(() =>
      ok(api.POST('/v1/tenants/{tenant}/connections/{connection}/linkedin/refresh', { params: { path: p } })),
    );
    if (r) {
      setNotice(t('linkedin.refreshed'));
      status.reload();
    }
  };
  const a = status.data?.activation;
  const pr = status.data?.progress;
  return (
    <ConnectionFrame tenant={tenant} connection={connection} current="linkedin">
      <PageTitle sub={connection}>{t('linkedin.title')}</PageTitle>
      <section class="card">
        <h2 id="activation-h">{t('linkedin.activation')}</h2>
        {status.data ? (
          <dl class="summary">
            <div>
              <dt>{t('col.status')}</dt>
              <dd id="activation-status">
                {a ? (
                  <Badge kind={a.status === 'active' ? 'ok' : a.status === 'failed' ? 'bad' : 'info'}>
                    {t(`activation.${a.status}` as 'activation.active')}
                  </Badge>
                ) : (
                  <span class="muted">{t('linkedin.not_checked')}</span>
                )}
              </dd>
            </div>
            {a ? (
              <div class="wide">
                <dt>{t('linkedin.message')}</dt>
                <dd>{a.message}</dd>
              </div>
            ) : null}
            {a?.checked_at ? (
              <div>
                <dt>{t('linkedin.checked_at')}</dt>
                <dd>
                  <Time iso={a.checked_at} />
                </dd>
              </div>
            ) : null}
            {pr ? (
              <>
                <div>
                  <dt>{t('linkedin.phase')}</dt>
                  <dd>{pr.phase}</dd>
                </div>
                <div>
                  <dt>{t('linkedin.progress')}</dt>
                  <dd>
                    {pr.total ? `${pr.done} / ${pr.total}` : pr.done}
                  </dd>
                </div>
                {pr.eta ? (
                  <div>
                    <dt>{t('linkedin.eta')}</dt>
                    <dd>
                      <Time iso={pr.eta} />
                    </dd>
                  </div>
                ) : null}
                {pr.note ? (
                  <div class="wide">
                    <dt>{t('linkedin.note')}</dt>
                    <dd>{pr.note}</dd>
                  </div>
                ) : null}
              </>
            ) : null}
          </dl>
        ) : (
          <Loading what={status} />
        )}
        <div class="actions">
          <button type="button" disabled={refresh.busy} onClick={notify}>
            {t('linkedin.refresh')}
          </button>
        </div>
        <Notice text={notice} />
        <ProblemView problem={refresh.problem} />
      </section>
      <Onboarding p={p} />
      <Accounts p={p} />
      <Exports p={p} />
    </ConnectionFrame>
  );
}

function Onboarding({ p }: { p: Params }) {
  const { t } = useI18n();
  const [ttl, setTtl] = useState('24h');
  const [link, setLink] = useState<{ url: string; expires_at: string }>();
  const action = useAction();
  const make = async () => {
    const r = await action.run(() => act(p, 'onboarding-link', { ttl }));
    if (r) setLink({ url: String(r.url), expires_at: String(r.expires_at) });
  };
  return (
    <section class="card">
      <h2 id="onboarding-h">{t('linkedin.onboarding')}</h2>
      <p class="hint">{t('linkedin.onboarding_hint')}</p>
      <div class="inline-form">
        <label for="ttl">{t('linkedin.ttl')}</label>
        <select id="ttl" value={ttl} onChange={(e) => setTtl(e.currentTarget.value)}>
          {TTLS.map((x) => (
            <option key={x} value={x}>
              {t(`ttl.${x}` as 'ttl.1h')}
            </option>
          ))}
        </select>
        <button type="button" class="primary" disabled={action.busy} onClick={make}>
          {t('linkedin.make_link')}
        </button>
      </div>
      <ProblemView problem={action.problem} />
      {link ? (
        <div class="link-box">
          <label for="onboarding-url">{t('linkedin.link')}</label>
          <input id="onboarding-url" readOnly value={link.url} onFocus={(e) => e.currentTarget.select()} />
          <p class="small">
            {t('linkedin.expires')} <Time iso={link.expires_at} />
          </p>
          <p>
            <a class="button" href={link.url} target="_blank" rel="noopener noreferrer">
              {t('linkedin.open_page')}
            </a>
          </p>
        </div>
      ) : null}
    </section>
  );
}

function Accounts({ p }: { p: Params }) {
  const { t } = useI18n();
  const list = useLoad(() => act(p, 'accounts'), [p.tenant, p.connection]);
  const [member, setMember] = useState('');
  const [authorize, setAuthorize] = useState<string>();
  const action = useAction();
  const link = async (e: Event) => {
    e.preventDefault();
    const r = await action.run(() => act(p, 'link', { team_member: Number(member) }));
    if (r) setAuthorize(String(r.authorize_url));
  };
  const unlink = async (teamMember: number) => {
    const r = await action.run(() => act(p, 'unlink', { team_member: teamMember }));
    if (r) list.reload();
  };
  const accounts = (list.data?.accounts ?? []) as { team_member: number; linkedin_member: string; linked_at: string }[];
  return (
    <section class="card">
      <h2 id="accounts-h">{t('linkedin.accounts')}</h2>
      <p class="hint">{t('linkedin.accounts_hint')}</p>
      <form class="inline-form" onSubmit={link} noValidate>
        <TextField id="team-member" label={t('linkedin.team_member')} value={member} onInput={setMember} inputMode="numeric" />
        <button type="submit" disabled={action.busy || !member.trim()}>
          {t('linkedin.link_account')}
        </button>
      </form>
      <ProblemView problem={action.problem} />
      {authorize ? (
        <p>
          {t('linkedin.authorize')}{' '}
          <a href={authorize} target="_blank" rel="noopener noreferrer">
            {t('linkedin.authorize_link')}
          </a>
        </p>
      ) : null}
      {list.data ? (
        accounts.length === 0 ? (
          <p>{t('linkedin.no_accounts')}</p>
        ) : (
          <TableWrap label={t('linkedin.accounts')}>
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('linkedin.team_member')}</th>
                  <th scope="col">{t('linkedin.member')}</th>
                  <th scope="col">{t('linkedin.linked_at')}</th>
                  <th scope="col">{t('col.actions')}</th>
                </tr>
              </thead>
              <tbody>
                {accounts.map((x) => (
                  <tr key={x.team_member}>
                    <th scope="row">{x.team_member}</th>
                    <td>{x.linkedin_member}</td>
                    <td>
                      <Time iso={x.linked_at} />
                    </td>
                    <td>
                      <button type="button" class="danger" disabled={action.busy} onClick={() => unlink(x.team_member)}>
                        {t('linkedin.unlink')}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        )
      ) : (
        <Loading what={list} />
      )}
    </section>
  );
}

function Exports({ p }: { p: Params }) {
  const { t } = useI18n();
  const list = useLoad(() => act(p, 'exports'), [p.tenant, p.connection]);
  const exports = (list.data?.exports ?? []) as {
    request_id: string;
    seat: string;
    job: string;
    status: string;
    candidate?: string | number | null;
    reason?: string | null;
    at: string;
  }[];
  const seats = (list.data?.per_seat ?? []) as { seat: string; this_month: number; limit: number }[];
  return (
    <section>
      <h2 id="exports-h">{t('linkedin.exports')}</h2>
      {list.data ? (
        <>
          {seats.length > 0 ? (
            <ul class="inline-list">
              {seats.map((s) => (
                <li key={s.seat}>{t('linkedin.seat_count', { seat: s.seat, n: s.this_month, limit: s.limit })}</li>
              ))}
            </ul>
          ) : null}
          {exports.length === 0 ? (
            <p>{t('linkedin.no_exports')}</p>
          ) : (
            <TableWrap label={t('linkedin.exports')}>
              <table>
                <thead>
                  <tr>
                    <th scope="col">{t('personio.at')}</th>
                    <th scope="col">{t('linkedin.seat')}</th>
                    <th scope="col">{t('personio.job')}</th>
                    <th scope="col">{t('col.status')}</th>
                    <th scope="col">{t('personio.reason')}</th>
                  </tr>
                </thead>
                <tbody>
                  {exports.map((x) => (
                    <tr key={x.request_id}>
                      <th scope="row">
                        <Time iso={x.at} />
                      </th>
                      <td>{x.seat}</td>
                      <td>{x.job}</td>
                      <td>{x.status}</td>
                      <td>{x.reason ?? ''}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
          )}
        </>
      ) : (
        <Loading what={list} />
      )}
    </section>
  );
}
