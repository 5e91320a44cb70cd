// The shell: sign-in, who the API takes the user for, the header and the page of the route.
import { createContext } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';
import { api, ok, type Problem } from './api/client';
import {
  beginSignIn,
  completeSignIn,
  devNoSignIn,
  isCallback,
  loadConfig,
  onSession,
  signOut,
  signedIn,
  type Config,
} from './auth';
import { I18nProvider, useI18n, type Lang } from './i18n';
import { href, useRoute, type Route } from './router';
import { Loading, ProblemView, ZoneContext, useLoad } from './ui';
import { zoneOfTenant } from './time';
import { Home, Tenants } from './pages/tenants';
import { Connections } from './pages/connections';
import { ConnectionPage, RunPage } from './pages/connection';
import { SettingsPage } from './pages/settings';
import { ConnectPage } from './pages/connect';
import { MynaviPage } from './pages/mynavi';
import { HrbrainPage } from './pages/hrbrain';
import { PersonioPage, UploadPage } from './pages/personio';
import { LinkedinPage } from './pages/linkedin';
import { UsersPage } from './pages/users';

export interface Me {
  operator: boolean;
  tenants: string[];
}

export const MeContext = createContext<Me>({ operator: false, tenants: [] });

export function App() {
  return (
    <I18nProvider>
      <Boot />
    </I18nProvider>
  );
}

type Phase =
  | { at: 'loading' }
  | { at: 'failed'; why: string }
  | { at: 'signed-out'; config: Config; note?: 'expired' | 'signed-out'; error?: string }
  | { at: 'in'; config: Config };

function Boot() {
  const [phase, setPhase] = useState<Phase>({ at: 'loading' });
  useEffect(() => {
    let live = true;
    (async () => {
      const config = await loadConfig();
      if (config.sign_in && isCallback()) {
        try {
          await completeSignIn(config.sign_in);
        } catch (e) {
          if (live) setPhase({ at: 'signed-out', config, error: e instanceof Error ? e.message : String(e) });
          return;
        }
      }
      if (live) setPhase(signedIn() ? { at: 'in', config } : { at: 'signed-out', config });
    })().catch((e) => live && setPhase({ at: 'failed', why: e instanceof Error ? e.message : String(e) }));
    return () => {
      live = false;
    };
  }, []);
  useEffect(
    () =>
      onSession((why) =>
        setPhase((p) => {
          if (p.at !== 'in' && p.at !== 'signed-out') return p;
          if (why === 'signed-in') return { at: 'in', config: p.config };
          return { at: 'signed-out', config: p.config, note: why };
        }),
      ),
    [],
  );
  if (phase.at === 'loading') return <Frame development={false}>{<Loading />}</Frame>;
  if (phase.at === 'failed') {
    return (
      <Frame development={false}>
        <ProblemView problem={{ type: 'about:blank', title: 'config.json', status: 0, detail: phase.why }} />
      </Frame>
    );
  }
  if (phase.at === 'signed-out') return <SignInPage {...phase} />;
  return <SignedIn config={phase.config} />;
}

/** The page frame: skip link, the development banner, header, main. */
function Frame({
  development,
  header,
  children,
}: {
  development: boolean;
  header?: preact.ComponentChildren;
  children: preact.ComponentChildren;
}) {
  const { t } = useI18n();
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById('main')?.focus(); }}>
        {t('skip')}
      </a>
      <header>
        {development || devNoSignIn ? (
          <p class="dev-banner">
            <strong>{t('dev.title')}</strong> {devNoSignIn ? t('dev.no_sign_in') : t('dev.body')}
          </p>
        ) : null}
        <div class="top">
          <a class="brand" href="#/">
            renkei <span lang="ja">連携</span>
          </a>
          {header}
          <LangSwitch />
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}

function LangSwitch() {
  const { t, lang, setLang } = useI18n();
  return (
    <div class="lang">
      <label for="lang-switch" class="visually-hidden">
        {t('lang.label')}
      </label>
      <select id="lang-switch" value={lang} onChange={(e) => setLang(e.currentTarget.value as Lang)}>
        <option value="ja" lang="ja">
          日本語
        </option>
        <option value="en" lang="en">
          English
        </option>
      </select>
    </div>
  );
}

function SignInPage({ config, note, error }: { config: Config; note?: string; error?: string }) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  return (
    <Frame development={config.development}>
      <section class="card narrow">
        <h1>{t('signin.title')}</h1>
        {note === 'expired' ? <p role="status">{t('signin.expired')}</p> : null}
        {note === 'signed-out' ? <p role="status">{t('signin.signed_out')}</p> : null}
        {error ? (
          <ProblemView problem={{ type: 'about:blank', title: t('signin.failed'), status: 0, detail: error }} />
        ) : null}
        {config.sign_in ? (
          <>
            <p>{t('signin.intro')}</p>
            <button
              type="button"
              class="primary"
              disabled={busy}
              onClick={() => {
                setBusy(true);
                void beginSignIn(config.sign_in!).catch(() => setBusy(false));
              }}
            >
              {t('signin.button')}
            </button>
          </>
        ) : (
          <>
            <p>{t('signin.unavailable')}</p>
            {config.why_no_sign_in ? <p class="muted">{config.why_no_sign_in}</p> : null}
          </>
        )}
      </section>
    </Frame>
  );
}

function SignedIn({ config }: { config: Config }) {
  const { t } = useI18n();
  const me = useLoad(() => ok(api.GET('/v1/me')), []);
  const route = useRoute();
  const header = (
    <>
      <MainNav route={route} me={me.data} />
      {devNoSignIn ? null : (
        <button type="button" class="link" onClick={() => signOut(config)}>
          {t('signout')}
        </button>
      )}
    </>
  );
  return (
    <Frame development={config.development} header={header}>
      {me.data ? (
        <MeContext.Provider value={me.data}>
          <Page route={route} />
        </MeContext.Provider>
      ) : (
        <Loading what={me} />
      )}
    </Frame>
  );
}

function tenantOf(route: Route): string | undefined {
  return 'tenant' in route ? route.tenant : undefined;
}

function MainNav({ route, me }: { route: Route; me: Me | undefined }) {
  const { t } = useI18n();
  const tenant = tenantOf(route);
  const current = (r: Route) => (href(r) === href(route) ? ('page' as const) : undefined);
  return (
    <nav class="main-nav" aria-label={t('nav.label')}>
      <ul>
        {me?.operator ? (
          <li>
            <a href={href({ page: 'tenants' })} aria-current={current({ page: 'tenants' })}>
              {t('nav.tenants')}
            </a>
          </li>
        ) : null}
        {tenant ? (
          <>
            <li class="tenant-name">
              <span class="muted">{t('nav.tenant')}</span> <strong>{tenant}</strong>
            </li>
            <li>
              <a href={href({ page: 'connections', tenant })} aria-current={current({ page: 'connections', tenant })}>
                {t('nav.connections')}
              </a>
            </li>
            <li>
              <a href={href({ page: 'mynavi', tenant })} aria-current={current({ page: 'mynavi', tenant })}>
                {t('nav.mynavi')}
              </a>
            </li>
            <li>
              <a href={href({ page: 'users', tenant })} aria-current={current({ page: 'users', tenant })}>
                {t('nav.users')}
              </a>
            </li>
          </>
        ) : null}
        {me && !me.operator && me.tenants.length > 1 ? (
          <li>
            <a href="#/">{t('nav.switch_tenant')}</a>
          </li>
        ) : null}
      </ul>
    </nav>
  );
}

/** The connectors of the tenant on screen: its pages' time zone. */
export const TenantConnectors = createContext<string[]>([]);

function TenantScope({ tenant, children }: { tenant: string; children: preact.ComponentChildren }) {
  const conns = useLoad(
    () => ok(api.GET('/v1/tenants/{tenant}/connections', { params: { path: { tenant }, query: { limit: 500 } } })),
    [tenant],
  );
  const connectors = (conns.data?.items ?? []).map((c) => c.connector);
  return (
    <TenantConnectors.Provider value={connectors}>
      <ZoneContext.Provider value={zoneOfTenant(connectors)}>{children}</ZoneContext.Provider>
    </TenantConnectors.Provider>
  );
}

function Page({ route }: { route: Route }) {
  const { t } = useI18n();
  const me = useContext(MeContext);
  const tenant = tenantOf(route);
  if (tenant && !me.operator && !me.tenants.includes(tenant)) {
    const problem: Problem = { type: 'about:blank', title: t('forbidden.title'), status: 403, detail: t('forbidden.detail', { tenant }) };
    return <ProblemView problem={problem} />;
  }
  const key = href(route);
  let page;
  switch (route.page) {
    case 'home':
      return <Home />;
    case 'tenants':
      return <Tenants />;
    case 'missing':
      return <ProblemView problem={{ type: 'about:blank', title: t('missing.title'), status: 404, detail: route.hash }} />;
    case 'connections':
      page = <Connections tenant={route.tenant} />;
      break;
    case 'connect':
      page = <ConnectPage tenant={route.tenant} connector={route.connector} />;
      break;
    case 'connection':
      page = <ConnectionPage tenant={route.tenant} connection={route.connection} />;
      break;
    case 'run':
      page = <RunPage tenant={route.tenant} connection={route.connection} run={route.run} />;
      break;
    case 'settings':
      page = <SettingsPage tenant={route.tenant} connection={route.connection} />;
      break;
    case 'hrbrain':
      page = <HrbrainPage tenant={route.tenant} connection={route.connection} />;
      break;
    case 'personio':
      page = <PersonioPage tenant={route.tenant} connection={route.connection} />;
      break;
    case 'upload':
      page = <UploadPage tenant={route.tenant} connection={route.connection} upload={route.upload} />;
      break;
    case 'linkedin':
      page = <LinkedinPage tenant={route.tenant} connection={route.connection} />;
      break;
    case 'mynavi':
      page = <MynaviPage tenant={route.tenant} />;
      break;
    case 'users':
      page = <UsersPage tenant={route.tenant} />;
      break;
  }
  return (
    <TenantScope tenant={route.tenant}>
      <div key={key}>{page}</div>
    </TenantScope>
  );
}
