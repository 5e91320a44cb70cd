// A tenant's connections: automation, last status, last success, next run, last error.
import { api, ok, type Connection } from '../api/client';
import { useI18n } from '../i18n';
import { href } from '../router';
import { AutomationBadge, Loading, PageTitle, Pager, RunStatusBadge, TableWrap, Time, useLoad, usePager } from '../ui';
import { zoneLabel } from '../time';
import { useContext } from 'preact/hooks';
import { ZoneContext } from '../ui';

export function connectorName(connector: string, t: ReturnType<typeof useI18n>['t']): string {
  const k = `connector.${connector}` as Parameters<typeof t>[0];
  const name = t(k);
  return name === k ? connector : name;
}

export function Connections({ tenant }: { tenant: string }) {
  const { t } = useI18n();
  const zone = useContext(ZoneContext);
  const pager = usePager();
  const list = useLoad(
    () =>
      ok(
        api.GET('/v1/tenants/{tenant}/connections', {
          params: { path: { tenant }, query: { limit: 100, cursor: pager.cursor } },
        }),
      ),
    [tenant, pager.cursor],
  );
  return (
    <section>
      <PageTitle sub={t('connections.sub', { zone: zoneLabel(zone) })}>{t('connections.title')}</PageTitle>
      <p class="actions">
        <a class="button primary" href={href({ page: 'connect', tenant })}>
          {t('connections.connect')}
        </a>
        <a class="button" href={href({ page: 'mynavi', tenant })}>
          {t('connections.mynavi')}
        </a>
      </p>
      {list.data ? (
        list.data.items.length === 0 ? (
          <p>{t('connections.none')}</p>
        ) : (
          <>
            <TableWrap label={t('connections.title')}>
              <table class="connections">
                <thead>
                  <tr>
                    <th scope="col">{t('col.connection')}</th>
                    <th scope="col">{t('col.automation')}</th>
                    <th scope="col">{t('col.last_status')}</th>
                    <th scope="col">{t('col.last_success')}</th>
                    <th scope="col">{t('col.next_run')}</th>
                    <th scope="col">{t('col.last_error')}</th>
                    <th scope="col" class="num">
                      {t('col.failures')}
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {list.data.items.map((c) => (
                    <Row key={c.connection} tenant={tenant} c={c} />
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
    </section>
  );
}

function Row({ tenant, c }: { tenant: string; c: Connection }) {
  const { t } = useI18n();
  return (
    <tr>
      <th scope="row">
        <a href={href({ page: 'connection', tenant, connection: c.connection })}>{c.connection}</a>
        <div class="muted small">
          {connectorName(c.connector, t)}
          {typeof c.settings.account_name === 'string' ? ` · ${c.settings.account_name}` : ''}
        </div>
      </th>
      <td>
        <AutomationBadge automation={c.automation} />
        {c.paused_reason ? <div class="small">{c.paused_reason}</div> : null}
      </td>
      <td>
        <RunStatusBadge status={c.last_status} />
      </td>
      <td>
        <Time iso={c.last_success_at} />
      </td>
      <td>{c.automation === 'on' ? <Time iso={c.next_run_at} /> : <span class="muted">—</span>}</td>
      <td class="error-cell">{c.last_error ? <span class="text-bad">{c.last_error}</span> : <span class="muted">—</span>}</td>
      <td class="num">{c.consecutive_failures}</td>
    </tr>
  );
}
