// A tenant's users and their roles: who receives failure emails (C1: 管理者 and 採用担当者;
// C2: 管理者).
import { useState } from 'preact/hooks';
import { api, ok, type Role, type User } from '../api/client';
import { TextField } from '../fields';
import { useI18n } from '../i18n';
import { place, type FieldSpec } from '../schemaform';
import { FormProblems } from './connect';
import { Dialog, FormButtons, Loading, Notice, PageTitle, Pager, ProblemView, RowActions, TableWrap, useAction, useLoad, usePager } from '../ui';

const ROLES: Role[] = ['admin', 'recruiter', 'member'];
const SPECS: FieldSpec[] = ['email', 'roles'].map((key) => ({ key, name: key, kind: 'string', nullable: false, required: true, secret: false }));

export function UsersPage({ tenant }: { tenant: string }) {
  const { t } = useI18n();
  const pager = usePager();
  const list = useLoad(
    () => ok(api.GET('/v1/tenants/{tenant}/users', { params: { path: { tenant }, query: { limit: 100, cursor: pager.cursor } } })),
    [tenant, pager.cursor],
  );
  const [editing, setEditing] = useState<User | 'new'>();
  const [removing, setRemoving] = useState<User>();
  const action = useAction();
  const [notice, setNotice] = useState<string>();
  const remove = async () => {
    if (!removing) return;
    const done = await action.run(() =>
      ok(api.DELETE('/v1/tenants/{tenant}/users/{email}', { params: { path: { tenant, email: removing.email } } })).then(() => true),
    );
    setRemoving(undefined);
    if (done) {
      setNotice(t('users.removed'));
      list.reload();
    }
  };
  return (
    <section>
      <PageTitle sub={t('users.sub')}>{t('users.title')}</PageTitle>
      <ul class="hint">
        <li>{t('users.role_admin')}</li>
        <li>{t('users.role_recruiter')}</li>
        <li>{t('users.role_member')}</li>
      </ul>
      <p class="actions">
        <button type="button" class="primary" onClick={() => setEditing('new')}>
          {t('users.add')}
        </button>
      </p>
      <Notice text={notice} />
      <ProblemView problem={action.problem} />
      {list.data ? (
        list.data.items.length === 0 ? (
          <p>{t('users.none')}</p>
        ) : (
          <>
            <TableWrap label={t('users.title')}>
              <table>
                <thead>
                  <tr>
                    <th scope="col">{t('users.email')}</th>
                    <th scope="col">{t('users.roles')}</th>
                    <th scope="col">{t('col.actions')}</th>
                  </tr>
                </thead>
                <tbody>
                  {list.data.items.map((u) => (
                    <tr key={u.email}>
                      <th scope="row">{u.email}</th>
                      <td>{u.roles.map((r) => t(`role.${r}`)).join('、')}</td>
                      <td>
                        <RowActions
                          edit={t('users.edit')}
                          remove={t('users.remove')}
                          onEdit={() => setEditing(u)}
                          onRemove={() => setRemoving(u)}
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
        title={editing === 'new' ? t('users.add') : t('users.edit_title', { email: editing?.email ?? '' })}
        onClose={() => setEditing(undefined)}
      >
        {editing !== undefined ? (
          <UserForm
            tenant={tenant}
            user={editing === 'new' ? undefined : editing}
            onDone={() => {
              setEditing(undefined);
              setNotice(t('users.saved'));
              list.reload();
            }}
            onCancel={() => setEditing(undefined)}
          />
        ) : null}
      </Dialog>
      <Dialog open={!!removing} title={t('users.remove_title', { email: removing?.email ?? '' })} onClose={() => setRemoving(undefined)}>
        <p>{t('users.remove_body')}</p>
        <div class="actions">
          <button type="button" class="danger" disabled={action.busy} onClick={remove}>
            {t('users.remove')}
          </button>
          <button type="button" onClick={() => setRemoving(undefined)} autoFocus>
            {t('cancel')}
          </button>
        </div>
      </Dialog>
    </section>
  );
}

function UserForm({ tenant, user, onDone, onCancel }: { tenant: string; user?: User; onDone: () => void; onCancel: () => void }) {
  const { t } = useI18n();
  const [email, setEmail] = useState(user?.email ?? '');
  const [roles, setRoles] = useState<Role[]>(user?.roles ?? ['admin']);
  const action = useAction();
  const placed = place(action.problem, { user: SPECS });
  const submit = async (e: Event) => {
    e.preventDefault();
    const r = await action.run(() =>
      ok(api.PUT('/v1/tenants/{tenant}/users/{email}', { params: { path: { tenant, email: email.trim() } }, body: { roles } })),
    );
    if (r) onDone();
  };
  const rolesError = placed.fields['user.roles'];
  return (
    <form class="form" onSubmit={submit} noValidate>
      <FormProblems problem={action.problem} placed={placed} />
      {user ? (
        <p>
          <strong>{user.email}</strong>
        </p>
      ) : (
        <TextField
          id="user-email"
          label={t('users.email')}
          type="email"
          value={email}
          onInput={setEmail}
          messages={placed.fields['user.email']}
          required
          autoComplete="email"
        />
      )}
      <fieldset aria-describedby={rolesError ? 'user-roles-error' : undefined}>
        <legend>{t('users.roles')}</legend>
        {ROLES.map((r) => (
          <label key={r} class="check">
            <input
              type="checkbox"
              name="roles"
              value={r}
              checked={roles.includes(r)}
              onChange={(e) => setRoles((old) => (e.currentTarget.checked ? [...old, r] : old.filter((x) => x !== r)))}
            />{' '}
            {t(`role.${r}`)}
          </label>
        ))}
        {rolesError ? (
          <p class="field-error" id="user-roles-error">
            {rolesError.join(' ')}
          </p>
        ) : null}
      </fieldset>
      <FormButtons submit={t('save')} busy={action.busy} onCancel={onCancel} />
    </form>
  );
}
