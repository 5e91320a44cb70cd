// Times in the zone of the people who run the connection: Japan for the Japanese connectors,
// Germany for Personio's and Recruitee/LinkedIn's (their settings carry no zone), always
// shown with the zone.

const JAPANESE = new Set(['mynavi-hrmos', 'roumumate-kaonavi', 'hrbrain-mikiwame']);

export function zoneOfConnector(connector: string): string {
  return JAPANESE.has(connector) ? 'Asia/Tokyo' : 'Europe/Berlin';
}

/** A tenant's pages: Japan when it has any Japanese connector, else its connectors' zone. */
export function zoneOfTenant(connectors: string[]): string {
  if (connectors.some((c) => JAPANESE.has(c))) return 'Asia/Tokyo';
  if (connectors.length > 0) return 'Europe/Berlin';
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

const formats = new Map<string, Intl.DateTimeFormat>();

function format(zone: string, locale: string, opts: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${zone}|${locale}|${JSON.stringify(opts)}`;
  let f = formats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, { timeZone: zone, ...opts });
    formats.set(key, f);
  }
  return f;
}

export function zoneLabel(zone: string, at: Date = new Date()): string {
  if (zone === 'Asia/Tokyo') return 'JST';
  const part = format(zone, 'en-GB', { timeZoneName: 'short' })
    .formatToParts(at)
    .find((p) => p.type === 'timeZoneName');
  return part?.value ?? zone;
}

/** `2026-12-07 20:08 JST` (Japanese: `2026/12/07 20:08 JST`). */
export function formatTime(iso: string, zone: string, lang: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  const parts = format(zone, 'en-GB', {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const p = (t: string) => parts.find((x) => x.type === t)?.value ?? '';
  const sep = lang === 'ja' ? '/' : '-';
  return `${p('year')}${sep}${p('month')}${sep}${p('day')} ${p('hour')}:${p('minute')} ${zoneLabel(zone, at)}`;
}
