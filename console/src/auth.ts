// Sign-in: OIDC authorization code with PKCE (S256) against the issuer config.json names.
// The verifier and state wait in sessionStorage for the redirect back to /console; the
// tokens live in sessionStorage (this tab only, gone when it closes). The ID token is the
// bearer of every API call (Cognito's ID token carries the audience and groups the stack's
// JWT authoriser checks). A 401 or an expired token ends the session.

export interface SignIn {
  authorization_endpoint: string;
  token_endpoint: string;
  end_session_endpoint: string | null;
  client_id: string;
  scope: string;
}

export interface Config {
  development: boolean;
  sign_in: SignIn | null;
  why_no_sign_in: string | null;
}

interface Tokens {
  id_token: string;
  expires_at: number;
}

interface Pending {
  verifier: string;
  state: string;
  return_to: string;
}

const TOKENS = 'renkei.console.tokens';
const PENDING = 'renkei.console.pending';

/** `npm run dev` with VITE_RENKEI_DEV_NO_SIGN_IN=1 only: the dev server's proxy reaches
 * `renkei admin serve`, whose every caller is the operator. A production build folds this
 * to false and drops it. */
export const devNoSignIn: boolean =
  import.meta.env.DEV && import.meta.env.VITE_RENKEI_DEV_NO_SIGN_IN === '1';

let listeners: Array<(why: 'expired' | 'signed-in' | 'signed-out') => void> = [];

export function onSession(cb: (why: 'expired' | 'signed-in' | 'signed-out') => void): () => void {
  listeners.push(cb);
  return () => {
    listeners = listeners.filter((l) => l !== cb);
  };
}

function tell(why: 'expired' | 'signed-in' | 'signed-out') {
  for (const l of listeners) l(why);
}

/** The console's own address: the redirect URI registered with the issuer (and Cognito's
 * callback and sign-out URL), `/console` on the API's origin. */
export function consoleUrl(): string {
  return `${location.origin}/console`;
}

export async function loadConfig(): Promise<Config> {
  if (devNoSignIn) return { development: true, sign_in: null, why_no_sign_in: null };
  const r = await fetch(`${location.origin}/console/config.json`, { cache: 'no-store' });
  if (!r.ok) throw new Error(`config.json: ${r.status}`);
  return (await r.json()) as Config;
}

function readTokens(): Tokens | null {
  try {
    const t = JSON.parse(sessionStorage.getItem(TOKENS) ?? 'null') as Tokens | null;
    return t && typeof t.id_token === 'string' ? t : null;
  } catch {
    return null;
  }
}

/** The bearer token, while it is valid (an expired one is sent as none: the API's 401 then
 * ends the session). */
export function bearer(): string | null {
  const t = readTokens();
  if (!t || Date.now() >= t.expires_at) return null;
  return t.id_token;
}

export function signedIn(): boolean {
  return devNoSignIn || bearer() !== null;
}

/** The API said 401 (or the token ran out): back to sign-in. */
export function expired(): void {
  if (devNoSignIn) return;
  sessionStorage.removeItem(TOKENS);
  tell('expired');
}

function b64url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function random(n: number): string {
  const bytes = new Uint8Array(n);
  crypto.getRandomValues(bytes);
  return b64url(bytes);
}

async function challengeOf(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return b64url(new Uint8Array(digest));
}

/** Goes to the issuer's sign-in; it comes back to /console/ with a code. */
export async function beginSignIn(cfg: SignIn): Promise<void> {
  const verifier = random(32); // 43 characters
  const state = random(24);
  const pending: Pending = { verifier, state, return_to: location.hash || '#/' };
  sessionStorage.setItem(PENDING, JSON.stringify(pending));
  const url = new URL(cfg.authorization_endpoint);
  const q = url.searchParams;
  q.set('response_type', 'code');
  q.set('client_id', cfg.client_id);
  q.set('redirect_uri', consoleUrl());
  q.set('scope', cfg.scope);
  q.set('state', state);
  q.set('code_challenge', await challengeOf(verifier));
  q.set('code_challenge_method', 'S256');
  location.assign(url.toString());
}

/** Whether this load is the issuer's redirect back (a code or an error in the query). */
export function isCallback(): boolean {
  const q = new URLSearchParams(location.search);
  return q.has('code') || q.has('error');
}

/** Exchanges the code of the redirect for tokens; throws with the reason if it cannot. */
export async function completeSignIn(cfg: SignIn): Promise<void> {
  const q = new URLSearchParams(location.search);
  const raw = sessionStorage.getItem(PENDING);
  sessionStorage.removeItem(PENDING);
  const pending = raw ? (JSON.parse(raw) as Pending) : null;
  // The code is single-use: take it out of the address at once.
  history.replaceState(null, '', `${location.pathname}${pending?.return_to ?? '#/'}`);
  if (q.has('error')) {
    throw new Error(`${q.get('error')}: ${q.get('error_description') ?? ''}`.trim());
  }
  if (!pending || pending.state !== q.get('state')) {
    throw new Error('state mismatch: the sign-in was not started here');
  }
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code: q.get('code') ?? '',
    redirect_uri: consoleUrl(),
    client_id: cfg.client_id,
    code_verifier: pending.verifier,
  });
  const r = await fetch(cfg.token_endpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body,
    credentials: 'omit',
  });
  const answer = (await r.json().catch(() => ({}))) as {
    id_token?: string;
    expires_in?: number;
    error?: string;
    error_description?: string;
  };
  if (!r.ok || !answer.id_token) {
    throw new Error(`${answer.error ?? r.status}: ${answer.error_description ?? 'no ID token'}`);
  }
  const seconds = typeof answer.expires_in === 'number' ? answer.expires_in : 3600;
  const tokens: Tokens = { id_token: answer.id_token, expires_at: Date.now() + (seconds - 30) * 1000 };
  sessionStorage.setItem(TOKENS, JSON.stringify(tokens));
  tell('signed-in');
}

/** Forgets the session; with an end-session endpoint, ends the issuer's session too. */
export function signOut(cfg: Config): void {
  sessionStorage.removeItem(TOKENS);
  sessionStorage.removeItem(PENDING);
  const end = cfg.sign_in?.end_session_endpoint;
  if (end && cfg.sign_in) {
    const url = new URL(end);
    url.searchParams.set('client_id', cfg.sign_in.client_id);
    url.searchParams.set('logout_uri', consoleUrl());
    url.searchParams.set('post_logout_redirect_uri', consoleUrl());
    location.assign(url.toString());
    return;
  }
  tell('signed-out');
}
