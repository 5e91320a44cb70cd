// The start page (the tenants a user may open) and the operator's view across tenants.
import { useContext, useEffect, useState } from 'preact/hooks';
import { api, ok } from '../api/client';
import { MeContext } from '../app';
import { useI18n } from '../i18n';
import { go, href } from '../router';
import { Loading, PageTitle, Pager, TableWrap, useLoad, usePager } from '../ui';

export function Home() {
  const me = useContext(MeContext);
  const { t } = useI18n();
  const only = !me.operator && me.tenants.length === 1 ? me.tenants[0] : undefined;
  useEffect(() => {
    if (only) location.replace(href({ page: 'connections', tenant: only }));
  }, [only]);
  if (me.operator) return <Tenants />;
  if (only) return <Loading />;
  return (
    <section>
      <PageTitle>{t('home.title')}</PageTitle>
      {me.tenants.length === 0 ? (
        <p>{t('home.none')}</p>
      ) : (
        <ul class="tenant-list">
          {me.tenants.map((tenant) => (
            <li key={tenant}>
              <a href={href({ page: 'connections', tenant })}>{tenant}</a>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** Every tenant of the stack with its connections at a glance (operators only). */
export function Tenants() {
  const { t } = useI18n();
  const pager = usePager();
  const list = useLoad(
    () => ok(api.GET('/v1/tenants', { params: { query: { limit: 50, cursor: pager.cursor } } })),
    [pager.cursor],
  );
  const [open, setOpen] = useState('');
  return (
    <section>
      <PageTitle sub={t('tenants.sub')}>{t('tenants.title')}</PageTitle>
      <form
        class="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          const id = open.trim();
          if (id) go({ page: 'users', tenant: id });
        }}
      >
        <label for="open-tenant">{t('tenants.open')}</label>
        <input id="open-tenant" value={open} onInput={(e) => setOpen(e.currentTarget.value)} autoComplete="off" />
        <button type="submit">{t('tenants.open_button')}</button>
      </form>
      {list.data ? (
        <>
          <TableWrap label={t('tenants.title')}>
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('col.tenant')}</th>
                  <th scope="col">{t('col.connections')}</th>
                  <th scope="col">{t('col.failing')}</th>
                  <th scope="col">{t('col.paused')}</th>
                </tr>
              </thead>
              <tbody>
                {list.data.items.map((row) => (
                  <TenantRow key={row.tenant} tenant={row.tenant} />
                ))}
              </tbody>
            </table>
          </TableWrap>
          {list.data.items.length === 0 ? <p>{t('tenants.none')}</p> : null}
          <Pager pager={pager} next={list.data.next_cursor} />
        </>
      ) : (
        <Loading what={list} />
      )}
    </section>
  );
}

function TenantRow({ tenant }: { tenant: string }) {
  const { t } = useI18n();
  const conns = useLoad(
    () => ok(api.GET('/v1/tenants/{tenant}/connections', { params: { path: { tenant }, query: { limit: 500 } } })),
    [tenant],
  );
  const items = conns.data?.items ?? [];
  const failing = items.filter(
    (c) => c.consecutive_failures > 0 || c.last_status === 'failed' || c.last_status === 'auth_failed',
  ).length;
  const paused = items.filter((c) => c.automation !== 'on').length;
  return (
    <tr>
      <th scope="row">
        <a href={href({ page: 'connections', tenant })}>{tenant}</a>
      </th>
      <td>{conns.data ? items.length : conns.problem ? t('error.short') : '…'}</td>
      <td>{conns.data ? <span class={failing ? 'text-bad' : ''}>{failing}</span> : ''}</td>
      <td>{conns.data ? paused : ''}</td>
    </tr>
  );
}
