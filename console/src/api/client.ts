// The only client of the admin API: openapi-fetch over the types generated from
// docs/openapi.yaml (src/api/schema.d.ts, `npm run gen`). Every request carries the signed-in
// user's ID token; a 401 sends the user back to sign-in.
import createClient from 'openapi-fetch';
import type { components, paths } from './schema';
import { bearer, expired } from '../auth';

export type Schemas = components['schemas'];
export type Problem = Schemas['Problem'];
export type Connection = Schemas['Connection'];
export type Run = Schemas['Run'];
export type RunStatus = Schemas['RunStatus'];
export type ErrorRow = Schemas['ErrorRow'];
export type ConnectorInfo = Schemas['ConnectorInfo'];
export type Settings = Schemas['Settings'];
export type User = Schemas['User'];
export type Role = Schemas['Role'];
export type MynaviAccount = Schemas['MynaviAccount'];
export type Rule = Schemas['Rule'];
export type HrbrainJob = Schemas['HrbrainJob'];

export const api = createClient<paths>({ baseUrl: location.origin });

api.use({
  onRequest({ request }) {
    const token = bearer();
    if (token) request.headers.set('Authorization', `Bearer ${token}`);
    return request;
  },
  onResponse({ response }) {
    if (response.status === 401) expired();
    return response;
  },
});

/** A refused or failed call, with the API's problem+json (or one made up for a network error). */
export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail);
  }
}

/** The answer's data, or an ApiError with its problem. */
export async function ok<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  let answer: { data?: T; error?: unknown; response: Response };
  try {
    answer = await call;
  } catch (e) {
    throw new ApiError({
      type: 'about:blank',
      title: 'Network error',
      status: 0,
      detail: e instanceof Error ? e.message : String(e),
    });
  }
  const { data, error, response } = answer;
  if (response.ok) return data as T;
  throw new ApiError(asProblem(error, response));
}

function asProblem(error: unknown, response: Response): Problem {
  if (error && typeof error === 'object' && 'status' in error && 'detail' in error) {
    return error as Problem;
  }
  return {
    type: 'about:blank',
    title: response.statusText || 'Error',
    status: response.status,
    detail: typeof error === 'string' && error ? error : `${response.status} ${response.statusText}`,
  };
}

/** The problem of anything thrown. */
export function problemOf(e: unknown): Problem {
  if (e instanceof ApiError) return e.problem;
  return { type: 'about:blank', title: 'Error', status: 0, detail: e instanceof Error ? e.message : String(e) };
}

/** Saves `blob` as `name` (the browser's download). */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
