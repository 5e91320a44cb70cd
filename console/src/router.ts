// Hash routes (`#/t/<tenant>/…`): the server serves three files whatever the page.
import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { page: 'home' }
  | { page: 'tenants' }
  | { page: 'connections'; tenant: string }
  | { page: 'connect'; tenant: string; connector?: string }
  | { page: 'connection'; tenant: string; connection: string }
  | { page: 'run'; tenant: string; connection: string; run: string }
  | { page: 'settings'; tenant: string; connection: string }
  | { page: 'hrbrain'; tenant: string; connection: string }
  | { page: 'personio'; tenant: string; connection: string }
  | { page: 'upload'; tenant: string; connection: string; upload: string }
  | { page: 'linkedin'; tenant: string; connection: string }
  | { page: 'mynavi'; tenant: string }
  | { page: 'users'; tenant: string }
  | { page: 'missing'; hash: string };

const enc = encodeURIComponent;

/** The hash of a route. */
export function href(r: Route): string {
  switch (r.page) {
    case 'home':
      return '#/';
    case 'tenants':
      return '#/tenants';
    case 'connections':
      return `#/t/${enc(r.tenant)}`;
    case 'connect':
      return `#/t/${enc(r.tenant)}/connect${r.connector ? `/${enc(r.connector)}` : ''}`;
    case 'connection':
      return `#/t/${enc(r.tenant)}/c/${enc(r.connection)}`;
    case 'run':
      return `#/t/${enc(r.tenant)}/c/${enc(r.connection)}/runs/${enc(r.run)}`;
    case 'settings':
    case 'hrbrain':
    case 'personio':
    case 'linkedin':
      return `#/t/${enc(r.tenant)}/c/${enc(r.connection)}/${r.page}`;
    case 'upload':
      return `#/t/${enc(r.tenant)}/c/${enc(r.connection)}/personio/uploads/${enc(r.upload)}`;
    case 'mynavi':
    case 'users':
      return `#/t/${enc(r.tenant)}/${r.page}`;
    case 'missing':
      return r.hash;
  }
}

export function parse(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter((p) => p !== '');
  let d: string[];
  try {
    d = parts.map(decodeURIComponent);
  } catch {
    return { page: 'missing', hash };
  }
  const [a, tenant, b, connection, c, id, e, upload] = d;
  if (d.length === 0) return { page: 'home' };
  if (a === 'tenants' && d.length === 1) return { page: 'tenants' };
  if (a !== 't' || !tenant) return { page: 'missing', hash };
  if (d.length === 2) return { page: 'connections', tenant };
  if (b === 'connect' && d.length <= 4) return { page: 'connect', tenant, connector: connection };
  if ((b === 'mynavi' || b === 'users') && d.length === 3) return { page: b, tenant };
  if (b === 'c' && connection) {
    if (d.length === 4) return { page: 'connection', tenant, connection };
    if (c === 'runs' && id && d.length === 6) return { page: 'run', tenant, connection, run: id };
    if ((c === 'settings' || c === 'hrbrain' || c === 'personio' || c === 'linkedin') && d.length === 5) {
      return { page: c, tenant, connection };
    }
    if (c === 'personio' && id === 'uploads' && e === undefined && upload === undefined) {
      return { page: 'personio', tenant, connection };
    }
    if (c === 'personio' && id === 'uploads' && e && d.length === 7) {
      return { page: 'upload', tenant, connection, upload: e };
    }
  }
  return { page: 'missing', hash };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parse(location.hash));
  useEffect(() => {
    const on = () => setRoute(parse(location.hash));
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

export function go(r: Route): void {
  location.hash = href(r);
}
