// Connecting an account pair: a form made from the connector's settings and secret schemas.
// The connector's setup checks the vendors first; each problem it finds is shown on its field.
import { useMemo, useState } from 'preact/hooks';
import { api, ok, type ConnectorInfo, type Problem, type Schemas } from '../api/client';
import { TextField } from '../fields';
import { useI18n } from '../i18n';
import { go, href } from '../router';
import { collect, initialValues, place, placedUnder, SchemaFields, specsOf, type JsonSchema, type Placed, type Values } from '../schemaform';
import { FormButtons, Loading, PageTitle, useAction, useLoad } from '../ui';
import { connectorName } from './connections';
import { connectors } from './settings';

/** The connectors POST …/connections takes (Mynavi accounts are registered on their page). */
const CONNECTABLE = ['roumumate-kaonavi', 'hrbrain-mikiwame', 'talentwunder-personio', 'recruitee-linkedin'];

/** The problems of a refused form that are on no field, above the form. */
export function FormProblems({ problem, placed }: { problem: Problem | undefined; placed: Placed }) {
  const { t } = useI18n();
  if (!problem) return null;
  const onFields = Object.keys(placed.fields).length;
  return (
    <div class="problem" role="alert">
      <p class="problem-title">
        {problem.status ? `${problem.status} ` : ''}
        {problem.title}
      </p>
      {placed.rest.length > 0 ? (
        <ul>
          {placed.rest.map((m, i) => (
            <li key={i}>{m}</li>
          ))}
        </ul>
      ) : null}
      {onFields > 0 ? <p>{t('form.see_fields', { n: onFields })}</p> : null}
      {problem.request_id ? (
        <p class="muted">
          {t('problem.request_id')}: <code>{problem.request_id}</code>
        </p>
      ) : null}
    </div>
  );
}

export function ConnectPage({ tenant, connector }: { tenant: string; connector?: string }) {
  const { t } = useI18n();
  const all = useLoad(connectors, []);
  if (!all.data) return <Loading what={all} />;
  const info = all.data.find((c) => c.name === connector && CONNECTABLE.includes(c.name));
  return (
    <section>
      <p class="breadcrumb">
        <a href={href({ page: 'connections', tenant })}>{t('connections.title')}</a> /
      </p>
      <PageTitle sub={t('connect.sub')}>{info ? t('connect.title_of', { name: connectorName(info.name, t) }) : t('connect.title')}</PageTitle>
      {info ? (
        <ConnectForm key={info.name} tenant={tenant} info={info} />
      ) : (
        <ul class="connector-list">
          {all.data
            .filter((c) => CONNECTABLE.includes(c.name))
            .map((c) => (
              <li key={c.name}>
                <a class="card link-card" href={href({ page: 'connect', tenant, connector: c.name })}>
                  <strong>{connectorName(c.name, t)}</strong>
                  <span class="muted">{c.vendors.join(' → ')}</span>
                </a>
              </li>
            ))}
          <li>
            <a class="card link-card" href={href({ page: 'mynavi', tenant })}>
              <strong>{connectorName('mynavi-hrmos', t)}</strong>
              <span class="muted">{t('connect.mynavi')}</span>
            </a>
          </li>
        </ul>
      )}
    </section>
  );
}

function ConnectForm({ tenant, info }: { tenant: string; info: ConnectorInfo }) {
  const { t } = useI18n();
  const managedNotAsked = useMemo(() => {
    const required = new Set((info.settings_schema as JsonSchema | undefined)?.required ?? []);
    return info.managed_settings.filter((m) => !required.has(m.key));
  }, [info]);
  const settings = useMemo(
    () =>
      specsOf(info.settings_schema as JsonSchema | undefined, {
        secret: false,
        skip: new Set(managedNotAsked.map((m) => m.key)),
      }),
    [info, managedNotAsked],
  );
  const secret = useMemo(() => specsOf(info.secret_schema as JsonSchema | undefined, { secret: true }), [info]);
  const [values, setValues] = useState<Values>(() => initialValues(settings));
  const [secretValues, setSecretValues] = useState<Values>(() => initialValues(secret));
  const [connection, setConnection] = useState(info.name);
  const [webhookBase, setWebhookBase] = useState('');
  const [local, setLocal] = useState<Record<string, 'json' | 'map'>>({});
  const action = useAction();
  const c5 = info.name === 'recruitee-linkedin';
  const top = [
    { key: 'connection', name: 'connection', kind: 'string', nullable: false, required: true, secret: false } as const,
    ...(c5 ? [{ key: 'webhook_base', name: 'webhook_base', kind: 'string', nullable: false, required: true, secret: false } as const] : []),
  ];
  const placed = place(action.problem, { settings, secret, top });
  const submit = async (e: Event) => {
    e.preventDefault();
    const s = collect(settings, values);
    const x = collect(secret, secretValues);
    setLocal({ ...s.errors, ...x.errors });
    if (Object.keys(s.errors).length + Object.keys(x.errors).length > 0) return;
    const created = await action.run(() =>
      ok(
        api.POST('/v1/tenants/{tenant}/connections', {
          params: { path: { tenant } },
          body: {
            connector: info.name as Schemas['Connect']['connector'],
            connection: connection.trim(),
            settings: s.value,
            secret: x.value,
            ...(c5 ? { webhook_base: webhookBase.trim() } : {}),
          },
        }),
      ),
    );
    if (created) go({ page: 'connection', tenant, connection: created.connection });
  };
  const req = (specs: typeof settings) => specs.filter((s) => s.required);
  const opt = (specs: typeof settings) => specs.filter((s) => !s.required);
  const onSetting = (k: string, v: string | boolean) => setValues((o) => ({ ...o, [k]: v }));
  const onSecret = (k: string, v: string | boolean) => setSecretValues((o) => ({ ...o, [k]: v }));
  return (
    <form class="card form" onSubmit={submit} noValidate aria-label={t('connect.form')}>
      <FormProblems problem={action.problem} placed={placed} />
      <TextField
        id="f-top-connection"
        label={t('connect.connection')}
        hint={t('connect.connection_hint')}
        value={connection}
        onInput={setConnection}
        messages={placed.fields['top.connection']}
        required
      />
      {c5 ? (
        <TextField
          id="f-top-webhook_base"
          label={t('connect.webhook_base')}
          hint={t('connect.webhook_base_hint')}
          value={webhookBase}
          onInput={setWebhookBase}
          messages={placed.fields['top.webhook_base']}
          required
        />
      ) : null}
      <fieldset>
        <legend>{t('connect.settings')}</legend>
        <SchemaFields specs={req(settings)} section="settings" values={values} onChange={onSetting} placed={placed} local={local} />
        {opt(settings).length > 0 ? (
          <details open={opt(settings).some((s) => placedUnder(placed, 'settings', s) || Object.keys(local).some((k) => k === s.key || k.startsWith(`${s.key}.`)))}>
            <summary>{t('connect.optional', { n: opt(settings).length })}</summary>
            <SchemaFields specs={opt(settings)} section="settings" values={values} onChange={onSetting} placed={placed} local={local} />
          </details>
        ) : null}
      </fieldset>
      <fieldset>
        <legend>{t('connect.secret')}</legend>
        <p class="hint">{t('connect.secret_hint')}</p>
        <SchemaFields specs={req(secret)} section="secret" values={secretValues} onChange={onSecret} placed={placed} />
        {opt(secret).length > 0 ? (
          <details open={opt(secret).some((s) => placedUnder(placed, 'secret', s))}>
            <summary>{t('connect.optional', { n: opt(secret).length })}</summary>
            <SchemaFields specs={opt(secret)} section="secret" values={secretValues} onChange={onSecret} placed={placed} />
          </details>
        ) : null}
      </fieldset>
      {managedNotAsked.length > 0 ? (
        <div class="hint">
          <p>{t('connect.managed')}</p>
          <ul>
            {managedNotAsked.map((m) => (
              <li key={m.key}>
                <code>{m.key}</code>: {m.why}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      <FormButtons submit={action.busy ? t('connect.checking') : t('connect.submit')} busy={action.busy} />
    </form>
  );
}
