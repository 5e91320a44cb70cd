// マイナビ転職 → HRMOS採用: the tenant's Mynavi accounts (連携状況, add an account,
// re-enter a password, import now, delete) and the 振り分けルール (position → HRMOS job).
import { useEffect, useState } from 'preact/hooks';
import { api, ok, type MynaviAccount, type Problem, type Rule } from '../api/client';
import { TextField } from '../fields';
import { useI18n } from '../i18n';
import { href } from '../router';
import { place, type FieldSpec } from '../schemaform';
import { FormProblems } from './connect';
import { Badge, Dialog, FormButtons, Loading, Notice, PageTitle, Pager, ProblemView, RowActions, TableWrap, Time, ZoneContext, useAction, useLoad, usePager } from '../ui';

const REG_FIELDS = ['login_id', 'password', 'hrmos_api_key', 'mynavi_url', 'hrmos_url', 'name'] as const;
type RegField = (typeof REG_FIELDS)[number];
type Reg = Record<RegField, string>;

const specs: FieldSpec[] = REG_FIELDS.map((key) => ({
  key,
  name: key,
  kind: 'string',
  nullable: false,
  required: key !== 'name',
  secret: key === 'password' || key === 'hrmos_api_key',
}));

/** A Mynavi problem names its field as `hrmos_url: …`, in `field`, or in neither. */
function placeReg(problem: Problem | undefined) {
  return place(problem, { reg: specs });
}

export function MynaviPage({ tenant }: { tenant: string }) {
  const { t } = useI18n();
  return (
    <ZoneContext.Provider value="Asia/Tokyo">
      <section>
        <PageTitle sub={t('mynavi.sub')}>{t('mynavi.title')}</PageTitle>
        <Accounts tenant={tenant} />
        <Rules tenant={tenant} />
      </section>
    </ZoneContext.Provider>
  );
}

function Accounts({ tenant }: { tenant: string }) {
  const { t } = useI18n();
  const pager = usePager();
  const list = useLoad(
    () => ok(api.GET('/v1/tenants/{tenant}/mynavi/accounts', { params: { path: { tenant }, query: { limit: 100, cursor: pager.cursor } } })),
    [tenant, pager.cursor],
  );
  const [adding, setAdding] = useState(false);
  const [reenter, setReenter] = useState<MynaviAccount>();
  const [deleting, setDeleting] = useState<MynaviAccount>();
  const action = useAction();
  const [notice, setNotice] = useState<string>();
  // After "import now": look again every 2 s until the account's import is told (at most 2 min).
  const [watching, setWatching] = useState<{ id: string; last?: string | null; error?: string | null; until: number }>();
  useEffect(() => {
    if (!watching || !list.data) return;
    const a = list.data.items.find((x) => x.connection_id === watching.id);
    const told = !a || a.last_import_at !== watching.last || a.last_error !== watching.error;
    if (told || Date.now() > watching.until) {
      setWatching(undefined);
      return;
    }
    const timer = setTimeout(list.reload, 2000);
    return () => clearTimeout(timer);
  }, [list.data, watching]);
  const importNow = async (a: MynaviAccount) => {
    const r = await action.run(() =>
      ok(api.POST('/v1/tenants/{tenant}/connections/{connection}/runs', { params: { path: { tenant, connection: a.connection_id } } })),
    );
    if (r) {
      setNotice(t('mynavi.import_requested', { name: a.account_name }));
      setWatching({ id: a.connection_id, last: a.last_import_at, error: a.last_error, until: Date.now() + 120_000 });
    }
  };
  const remove = async () => {
    if (!deleting) return;
    const done = await action.run(() =>
      ok(
        api.DELETE('/v1/tenants/{tenant}/mynavi/accounts/{connection}', {
          params: { path: { tenant, connection: deleting.connection_id } },
        }),
      ).then(() => true),
    );
    setDeleting(undefined);
    if (done) {
      setNotice(t('mynavi.deleted'));
      list.reload();
    }
  };
  return (
    <section>
      <h2 id="accounts-h">{t('mynavi.accounts')}</h2>
      <p class="actions">
        <button type="button" class="primary" onClick={() => setAdding(true)}>
          {t('mynavi.add')}
        </button>
      </p>
      <Notice text={notice} />
      <ProblemView problem={action.problem} />
      {list.data ? (
        list.data.items.length === 0 ? (
          <p>{t('mynavi.none')}</p>
        ) : (
          <>
            <TableWrap label={t('mynavi.accounts')}>
              <table class="accounts">
                <thead>
                  <tr>
                    <th scope="col">{t('mynavi.account')}</th>
                    <th scope="col">{t('mynavi.status')}</th>
                    <th scope="col">{t('mynavi.last_import')}</th>
                    <th scope="col">{t('col.next_run')}</th>
                    <th scope="col">{t('mynavi.last_failure')}</th>
                    <th scope="col">{t('col.actions')}</th>
                  </tr>
                </thead>
                <tbody>
                  {list.data.items.map((a) => (
                    <tr key={a.connection_id}>
                      <th scope="row">
                        <a href={href({ page: 'connection', tenant, connection: a.connection_id })}>{a.account_name}</a>
                        <div class="muted small">{a.connection_id}</div>
                      </th>
                      <td>
                        <Badge kind={a.status === 'linked' ? 'ok' : a.status === 'unlinked' ? 'muted' : 'info'}>
                          <span lang="ja">{a.status_label}</span>
                        </Badge>
                        {a.last_error ? (
                          <Badge kind="bad">
                            <span lang="ja">連携失敗</span>
                          </Badge>
                        ) : null}
                      </td>
                      <td>
                        <Time iso={a.last_import_at} />
                      </td>
                      <td>
                        <Time iso={a.next_run_at} />
                      </td>
                      <td class="error-cell">{a.last_error ? <span class="text-bad">{a.last_error}</span> : '—'}</td>
                      <td>
                        <div class="actions compact">
                          <button type="button" onClick={() => setReenter(a)}>
                            {a.status === 'unlinked' ? t('mynavi.relink') : t('mynavi.reenter')}
                          </button>
                          {a.status !== 'unlinked' ? (
                            <>
                              <button type="button" disabled={action.busy} onClick={() => importNow(a)}>
                                {t('mynavi.import')}
                              </button>
                              <button type="button" class="danger" onClick={() => setDeleting(a)}>
                                {t('delete')}
                              </button>
                            </>
                          ) : null}
                        </div>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
            <Pager pager={pager} next={list.data.next_cursor} />
          </>
        )
      ) : (
        <Loading what={list} />
      )}
      <Dialog open={adding} title={t('mynavi.add')} onClose={() => setAdding(false)}>
        <Register
          tenant={tenant}
          onDone={(a) => {
            setAdding(false);
            setNotice(t('mynavi.registered', { name: a.account_name }));
            list.reload();
          }}
          onCancel={() => setAdding(false)}
        />
      </Dialog>
      <Dialog
        open={!!reenter}
        title={t('mynavi.reenter_title', { name: reenter?.account_name ?? '' })}
        onClose={() => setReenter(undefined)}
      >
        {reenter ? (
          <Register
            tenant={tenant}
            account={reenter}
            onDone={(a) => {
              setReenter(undefined);
              setNotice(t('mynavi.registered', { name: a.account_name }));
              list.reload();
            }}
            onCancel={() => setReenter(undefined)}
          />
        ) : null}
      </Dialog>
      <Dialog
        open={!!deleting}
        title={t('mynavi.delete_title', { name: deleting?.account_name ?? '' })}
        onClose={() => setDeleting(undefined)}
      >
        <p>{t('mynavi.delete_body')}</p>
        <div class="actions">
          <button type="button" class="danger" disabled={action.busy} onClick={remove}>
            {t('mynavi.delete_confirm', { name: deleting?.account_name ?? '' })}
          </button>
          <button type="button" onClick={() => setDeleting(undefined)} autoFocus>
            {t('cancel')}
          </button>
        </div>
      </Dialog>
    </section>
  );
}

/** Register an account, or re-enter an account's password (the same call; URLs prefilled). */
function Register({
  tenant,
  account,
  onDone,
  onCancel,
}: {
  tenant: string;
  account?: MynaviAccount;
  onDone: (a: MynaviAccount) => void;
  onCancel: () => void;
}) {
  const { t } = useI18n();
  const [v, setV] = useState<Reg>({ login_id: '', password: '', hrmos_api_key: '', mynavi_url: '', hrmos_url: '', name: account?.account_name ?? '' });
  const action = useAction();
  // Re-entering: the account's URLs as stored (its settings), so only the secret is typed.
  useLoad(async () => {
    if (!account) return null;
    const s = await ok(
      api.GET('/v1/tenants/{tenant}/connections/{connection}/settings', {
        params: { path: { tenant, connection: account.connection_id } },
      }),
    );
    const set = s.settings as { mynavi_url?: string; hrmos_url?: string };
    setV((old) => ({ ...old, mynavi_url: old.mynavi_url || set.mynavi_url || '', hrmos_url: old.hrmos_url || set.hrmos_url || '' }));
    return null;
  }, [account?.connection_id]);
  const placed = placeReg(action.problem);
  // "hrmos_url: …" in the detail names the field when `field` does not.
  const fieldOf = (k: RegField) => {
    const m = placed.fields[`reg.${k}`] ?? [];
    const d = action.problem?.detail ?? '';
    return m.length === 0 && d.startsWith(`${k}: `) ? [d] : m;
  };
  const set = (k: RegField) => (x: string) => setV((o) => ({ ...o, [k]: x }));
  const submit = async (e: Event) => {
    e.preventDefault();
    const body = {
      login_id: v.login_id.trim(),
      password: v.password,
      hrmos_api_key: v.hrmos_api_key,
      mynavi_url: v.mynavi_url.trim(),
      hrmos_url: v.hrmos_url.trim(),
      ...(v.name.trim() ? { name: v.name.trim() } : {}),
    };
    const r = await action.run(() => ok(api.POST('/v1/tenants/{tenant}/mynavi/accounts', { params: { path: { tenant } }, body })));
    if (r) onDone(r);
  };
  const shownOnField = REG_FIELDS.some((k) => fieldOf(k).length > 0);
  return (
    <form class="form" onSubmit={submit} noValidate>
      {action.problem && !shownOnField ? <FormProblems problem={action.problem} placed={placed} /> : null}
      {action.problem && shownOnField ? <p role="alert" class="text-bad">{t('form.see_fields', { n: 1 })}</p> : null}
      {account ? <p class="hint">{t('mynavi.reenter_hint')}</p> : null}
      <TextField id="reg-login_id" label={t('mynavi.login_id')} value={v.login_id} onInput={set('login_id')} messages={fieldOf('login_id')} required autoComplete="username" />
      <TextField id="reg-password" label={t('mynavi.password')} type="password" value={v.password} onInput={set('password')} messages={fieldOf('password')} required autoComplete="new-password" />
      <TextField id="reg-hrmos_api_key" label={t('mynavi.hrmos_api_key')} type="password" value={v.hrmos_api_key} onInput={set('hrmos_api_key')} messages={fieldOf('hrmos_api_key')} required autoComplete="off" />
      <TextField id="reg-mynavi_url" label={t('mynavi.mynavi_url')} value={v.mynavi_url} onInput={set('mynavi_url')} messages={fieldOf('mynavi_url')} required inputMode="url" />
      <TextField id="reg-hrmos_url" label={t('mynavi.hrmos_url')} hint={t('mynavi.hrmos_url_hint')} value={v.hrmos_url} onInput={set('hrmos_url')} messages={fieldOf('hrmos_url')} required inputMode="url" />
      <TextField id="reg-name" label={t('mynavi.name')} hint={t('mynavi.name_hint')} value={v.name} onInput={set('name')} messages={fieldOf('name')} />
      <p class="hint">{t('mynavi.checked')}</p>
      <FormButtons submit={account ? t('mynavi.reenter_submit') : t('mynavi.register')} busy={action.busy} onCancel={onCancel} />
    </form>
  );
}

function Rules({ tenant }: { tenant: string }) {
  const { t } = useI18n();
  const pager = usePager();
  const list = useLoad(
    () => ok(api.GET('/v1/tenants/{tenant}/rules', { params: { path: { tenant }, query: { limit: 100, cursor: pager.cursor } } })),
    [tenant, pager.cursor],
  );
  const [editing, setEditing] = useState<Rule | 'new'>();
  const [deleting, setDeleting] = useState<Rule>();
  const action = useAction();
  const remove = async () => {
    if (!deleting) return;
    const done = await action.run(() =>
      ok(api.DELETE('/v1/tenants/{tenant}/rules/{id}', { params: { path: { tenant, id: deleting.id } } })).then(() => true),
    );
    setDeleting(undefined);
    if (done) list.reload();
  };
  return (
    <section>
      <h2 id="rules-h">{t('rules.title')}</h2>
      <p class="hint">{t('rules.hint')}</p>
      <p class="actions">
        <button type="button" class="primary" onClick={() => setEditing('new')}>
          {t('rules.add')}
        </button>
      </p>
      <ProblemView problem={action.problem} />
      {list.data ? (
        list.data.items.length === 0 ? (
          <p>{t('rules.none')}</p>
        ) : (
          <>
            <TableWrap label={t('rules.title')}>
              <table class="rules">
                <thead>
                  <tr>
                    <th scope="col">{t('rules.position')}</th>
                    <th scope="col">{t('rules.job')}</th>
                    <th scope="col">{t('rules.medium')}</th>
                    <th scope="col">{t('rules.updated')}</th>
                    <th scope="col">{t('col.actions')}</th>
                  </tr>
                </thead>
                <tbody>
                  {list.data.items.map((r) => (
                    <tr key={r.id}>
                      <th scope="row">{r.position_name}</th>
                      <td>
                        <code>{r.job_id}</code>
                      </td>
                      <td>{r.medium}</td>
                      <td>
                        <Time iso={r.updated_at} />
                      </td>
                      <td>
                        <RowActions
                          edit={t('edit')}
                          remove={t('delete')}
                          onEdit={() => setEditing(r)}
                          onRemove={() => setDeleting(r)}
                        />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
            <Pager pager={pager} next={list.data.next_cursor} />
          </>
        )
      ) : (
        <Loading what={list} />
      )}
      <Dialog
        open={editing !== undefined}
        title={editing === 'new' ? t('rules.add') : t('rules.edit')}
        onClose={() => setEditing(undefined)}
      >
        {editing !== undefined ? (
          <RuleForm
            tenant={tenant}
            rule={editing === 'new' ? undefined : editing}
            onDone={() => {
              setEditing(undefined);
              list.reload();
            }}
            onCancel={() => setEditing(undefined)}
          />
        ) : null}
      </Dialog>
      <Dialog open={!!deleting} title={t('rules.delete_title')} onClose={() => setDeleting(undefined)}>
        <p>{t('rules.delete_body', { position: deleting?.position_name ?? '', job: deleting?.job_id ?? '' })}</p>
        <div class="actions">
          <button type="button" class="danger" disabled={action.busy} onClick={remove}>
            {t('delete')}
          </button>
          <button type="button" onClick={() => setDeleting(undefined)} autoFocus>
            {t('cancel')}
          </button>
        </div>
      </Dialog>
    </section>
  );
}

const RULE_SPECS: FieldSpec[] = ['position_name', 'job_id'].map((key) => ({
  key,
  name: key,
  kind: 'string',
  nullable: false,
  required: true,
  secret: false,
}));

function RuleForm({ tenant, rule, onDone, onCancel }: { tenant: string; rule?: Rule; onDone: () => void; onCancel: () => void }) {
  const { t } = useI18n();
  const [position, setPosition] = useState(rule?.position_name ?? '');
  const [job, setJob] = useState(rule?.job_id ?? '');
  const action = useAction();
  const placed = place(action.problem, { rule: RULE_SPECS });
  const submit = async (e: Event) => {
    e.preventDefault();
    const body = { position_name: position, job_id: job.trim() };
    const r = await action.run(() =>
      ok(
        rule
          ? api.PUT('/v1/tenants/{tenant}/rules/{id}', { params: { path: { tenant, id: rule.id } }, body })
          : api.POST('/v1/tenants/{tenant}/rules', { params: { path: { tenant } }, body }),
      ),
    );
    if (r) onDone();
  };
  return (
    <form class="form" onSubmit={submit} noValidate>
      <FormProblems problem={action.problem} placed={placed} />
      <TextField
        id="rule-position"
        label={t('rules.position')}
        hint={t('rules.position_hint')}
        value={position}
        onInput={setPosition}
        messages={placed.fields['rule.position_name']}
        required
      />
      <TextField id="rule-job" label={t('rules.job')} value={job} onInput={setJob} messages={placed.fields['rule.job_id']} required />
      <FormButtons submit={t('save')} busy={action.busy} onCancel={onCancel} />
    </form>
  );
}
