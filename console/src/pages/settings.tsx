// A connection's settings (as its connector reads them, defaults filled in), its cadence,
// and its credentials (write-only: the whole secret is replaced).
import { useMemo, useState } from 'preact/hooks';
import { api, ok, type ConnectorInfo, type Settings } from '../api/client';
import { useI18n } from '../i18n';
import { collect, initialValues, place, SchemaFields, specsOf, type JsonSchema, type Values } from '../schemaform';
import { FormProblems } from './connect';
import { FormButtons, Loading, Notice, PageTitle, Time, useAction, useLoad } from '../ui';
import { ConnectionFrame } from './connection';

let connectorsOnce: Promise<ConnectorInfo[]> | undefined;

/** Every connector with its schemas (read once: they change with a deploy only). */
export function connectors(): Promise<ConnectorInfo[]> {
  connectorsOnce ??= ok(api.GET('/v1/connectors')).then((r) => r.items);
  connectorsOnce.catch(() => (connectorsOnce = undefined));
  return connectorsOnce;
}

type Params = { tenant: string; connection: string };

export function SettingsPage({ tenant, connection }: Params) {
  const { t } = useI18n();
  const loaded = useLoad(
    async () => {
      const [settings, all] = await Promise.all([
        ok(api.GET('/v1/tenants/{tenant}/connections/{connection}/settings', { params: { path: { tenant, connection } } })),
        connectors(),
      ]);
      return { settings, info: all.find((c) => c.name === settings.connector) };
    },
    [tenant, connection],
  );
  return (
    <ConnectionFrame tenant={tenant} connection={connection} current="settings">
      <PageTitle sub={connection}>{t('settings.title')}</PageTitle>
      {loaded.data ? (
        <>
          <SettingsForm
            tenant={tenant}
            connection={connection}
            view={loaded.data.settings}
            info={loaded.data.info}
            onSaved={loaded.reload}
          />
          <CredentialsForm tenant={tenant} connection={connection} info={loaded.data.info} />
        </>
      ) : (
        <Loading what={loaded} />
      )}
    </ConnectionFrame>
  );
}

const MINUTES = [1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60];

function SettingsForm({
  tenant,
  connection,
  view,
  info,
  onSaved,
}: Params & { view: Settings; info?: ConnectorInfo; onSaved: () => void }) {
  const { t } = useI18n();
  const managed = useMemo(
    () => new Set([...(view.managed ?? []), ...(info?.managed_settings ?? []).map((m) => m.key)]),
    [view, info],
  );
  const specs = useMemo(() => specsOf(info?.settings_schema as JsonSchema | undefined, { secret: false }), [info]);
  const current = view.settings as Record<string, unknown>;
  const [values, setValues] = useState<Values>(() => initialValues(specs, current));
  const cadence = view.cadence as { kind: string; minutes?: number; hours?: number; anchor?: string };
  const [cadenceValue, setCadenceValue] = useState(String(cadence.kind === 'aligned_minutes' ? cadence.minutes : cadence.hours));
  const [local, setLocal] = useState<Record<string, 'json' | 'map'>>({});
  const action = useAction();
  const [notice, setNotice] = useState<string>();
  const editable = specs.filter((s) => !managed.has(s.key));
  const placed = place(action.problem, { settings: specs, cadence: [] });
  const save = async (e: Event) => {
    e.preventDefault();
    setNotice(undefined);
    const { value: patch, errors } = collect(editable, values, current);
    setLocal(errors);
    if (Object.keys(errors).length > 0) return;
    const body: { settings?: Record<string, unknown>; cadence?: Record<string, unknown> } = {};
    if (Object.keys(patch).length > 0) body.settings = patch;
    const n = Number(cadenceValue);
    const was = cadence.kind === 'aligned_minutes' ? cadence.minutes : cadence.hours;
    if (cadenceValue !== '' && n !== was) body.cadence = cadence.kind === 'aligned_minutes' ? { minutes: n } : { hours: n };
    if (!body.settings && !body.cadence) {
      setNotice(t('settings.unchanged'));
      return;
    }
    const r = await action.run(() =>
      ok(api.PATCH('/v1/tenants/{tenant}/connections/{connection}/settings', { params: { path: { tenant, connection } }, body })),
    );
    if (r) {
      setNotice(t('settings.saved'));
      onSaved();
    }
  };
  return (
    <form class="card form" onSubmit={save} noValidate aria-labelledby="settings-h">
      <h2 id="settings-h">{t('settings.connection')}</h2>
      <dl class="summary">
        <div>
          <dt>{t('col.next_run')}</dt>
          <dd>{view.next_run_at ? <Time iso={view.next_run_at} /> : <span class="muted">{t('next_run.none')}</span>}</dd>
        </div>
        {cadence.anchor ? (
          <div>
            <dt>{t('settings.anchor')}</dt>
            <dd>
              <Time iso={cadence.anchor} />
            </dd>
          </div>
        ) : null}
      </dl>
      <FormProblems problem={action.problem} placed={placed} />
      <div class="field">
        <label for="cadence">{cadence.kind === 'aligned_minutes' ? t('settings.minutes') : t('settings.hours')}</label>
        {cadence.kind === 'aligned_minutes' ? (
          <select
            id="cadence"
            value={cadenceValue}
            aria-invalid={placed.fields['cadence.minutes'] ? 'true' : undefined}
            onChange={(e) => setCadenceValue(e.currentTarget.value)}
          >
            {MINUTES.map((m) => (
              <option key={m} value={String(m)}>
                {t('settings.every_minutes', { n: m })}
              </option>
            ))}
          </select>
        ) : (
          <input
            id="cadence"
            type="number"
            min={1}
            max={168}
            value={cadenceValue}
            onInput={(e) => setCadenceValue(e.currentTarget.value)}
          />
        )}
      </div>
      <SchemaFields
        specs={specs}
        section="settings"
        values={values}
        onChange={(k, v) => setValues((old) => ({ ...old, [k]: v }))}
        placed={placed}
        local={local}
        readOnly={managed}
      />
      {info?.managed_settings.length ? (
        <div class="hint">
          <p>{t('settings.managed')}</p>
          <ul>
            {info.managed_settings.map((m) => (
              <li key={m.key}>
                <code>{m.key}</code>: {m.why}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      <FormButtons submit={t('settings.save')} busy={action.busy} />
      <Notice text={notice} />
    </form>
  );
}

function CredentialsForm({ tenant, connection, info }: Params & { info?: ConnectorInfo }) {
  const { t } = useI18n();
  const specs = useMemo(() => specsOf(info?.secret_schema as JsonSchema | undefined, { secret: true }), [info]);
  const [values, setValues] = useState<Values>(() => initialValues(specs));
  const action = useAction();
  const [notice, setNotice] = useState<string>();
  const placed = place(action.problem, { secret: specs });
  if (info?.name === 'recruitee-linkedin') {
    return (
      <section class="card">
        <h2 id="cred-h">{t('credentials.title')}</h2>
        <p>{t('credentials.c5')}</p>
      </section>
    );
  }
  const save = async (e: Event) => {
    e.preventDefault();
    setNotice(undefined);
    const { value } = collect(specs, values);
    const r = await action.run(() =>
      ok(
        api.PUT('/v1/tenants/{tenant}/connections/{connection}/credentials', {
          params: { path: { tenant, connection } },
          body: value as Record<string, string>,
        }),
      ),
    );
    if (r) {
      setValues(initialValues(specs));
      setNotice(t('credentials.saved', { fields: r.changed.join(', ') }));
    }
  };
  return (
    <form class="card form" onSubmit={save} noValidate aria-labelledby="cred-h">
      <h2 id="cred-h">{t('credentials.title')}</h2>
      <p class="hint">{t('credentials.hint')}</p>
      <FormProblems problem={action.problem} placed={placed} />
      <SchemaFields
        specs={specs}
        section="secret"
        values={values}
        onChange={(k, v) => setValues((old) => ({ ...old, [k]: v }))}
        placed={placed}
      />
      <FormButtons submit={t('credentials.save')} busy={action.busy} />
      <Notice text={notice} />
    </form>
  );
}
