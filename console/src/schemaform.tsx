// Forms made from a connector's JSON Schemas (GET /v1/connectors: schemars output, draft
// 2020-12). Strings, numbers, booleans, enums, lists of strings and string maps get their own
// inputs; anything else is edited as JSON. Secret fields are password inputs. A problem the
// API answers is shown on the field it names (aria-invalid + aria-describedby).
import type { Problem } from './api/client';
import { useI18n, fieldLabel } from './i18n';

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  const?: unknown;
  items?: JsonSchema;
  additionalProperties?: boolean | JsonSchema;
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  format?: string;
  minimum?: number;
  maximum?: number;
  writeOnly?: boolean;
  readOnly?: boolean;
}

export type Kind = 'string' | 'integer' | 'number' | 'boolean' | 'enum' | 'strings' | 'map' | 'json' | 'object';

export interface FieldSpec {
  /** The field's path from the form's root, dotted (`filter.employment_types`). */
  key: string;
  /** Its own name (`employment_types`). */
  name: string;
  kind: Kind;
  nullable: boolean;
  required: boolean;
  secret: boolean;
  description?: string;
  default?: unknown;
  options?: { value: string; label?: string }[];
  /** An object's fields. */
  children?: FieldSpec[];
}

export type Values = Record<string, string | boolean>;

function resolve(s: JsonSchema, root: JsonSchema): JsonSchema {
  let cur = s;
  for (let i = 0; i < 8 && cur.$ref; i++) {
    const name = cur.$ref.replace(/^#\/\$defs\//, '');
    const target = root.$defs?.[name];
    if (!target) break;
    // The referring schema's own description and default win (schemars puts them there).
    cur = { ...target, ...cur, $ref: target.$ref, type: target.type, properties: target.properties, required: target.required };
  }
  return cur;
}

function kindOf(s0: JsonSchema, root: JsonSchema): { kind: Kind; nullable: boolean; options?: FieldSpec['options']; object?: JsonSchema } {
  const s = resolve(s0, root);
  let nullable = false;
  const alts = s.anyOf ?? s.oneOf;
  if (alts) {
    const nonNull = alts.filter((a) => a.type !== 'null');
    nullable = nonNull.length < alts.length;
    const consts = nonNull.map((a) => resolve(a, root));
    if (consts.length > 0 && consts.every((c) => typeof c.const === 'string')) {
      return {
        kind: 'enum',
        nullable,
        options: consts.map((c) => ({ value: String(c.const), label: c.description })),
      };
    }
    if (nonNull.length === 1) {
      const inner = kindOf({ ...nonNull[0], description: s.description }, root);
      // An optional object stays one JSON value (its fields may not be given one by one).
      if (inner.kind === 'object') return { kind: 'json', nullable: true };
      return { ...inner, nullable: nullable || inner.nullable };
    }
    return { kind: 'json', nullable };
  }
  const types = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
  nullable = types.includes('null');
  const main = types.filter((t) => t !== 'null');
  if (s.enum) {
    return {
      kind: 'enum',
      nullable: nullable || s.enum.includes(null),
      options: s.enum.filter((v) => v !== null).map((v) => ({ value: String(v) })),
    };
  }
  if (main.length !== 1) return { kind: 'json', nullable };
  const t = main[0];
  if (t === 'string' || t === 'integer' || t === 'number' || t === 'boolean') return { kind: t, nullable };
  if (t === 'array') {
    const items = s.items ? resolve(s.items, root) : undefined;
    return { kind: items?.type === 'string' ? 'strings' : 'json', nullable };
  }
  if (t === 'object') {
    const ap = s.additionalProperties;
    if (!s.properties && ap && typeof ap === 'object' && resolve(ap, root).type === 'string') {
      return { kind: 'map', nullable };
    }
    if (s.properties && !nullable) return { kind: 'object', nullable, object: s };
  }
  return { kind: 'json', nullable };
}

/** Fields renkei fills in itself (the connector's own words say so): never asked for. */
function keptByRenkei(p: JsonSchema): boolean {
  const d = p.description ?? '';
  return p.readOnly === true || /^Read, never written/.test(d) || /\(set by (connecting|provisioning)\)/.test(d);
}

function specsIn(
  object: JsonSchema,
  root: JsonSchema,
  prefix: string,
  opts: { secret: boolean; skip?: Set<string> },
  depth: number,
): FieldSpec[] {
  const required = new Set(object.required ?? []);
  const specs: FieldSpec[] = [];
  for (const [name, p0] of Object.entries(object.properties ?? {})) {
    const key = prefix ? `${prefix}.${name}` : name;
    if (opts.skip?.has(key)) continue;
    const p = resolve(p0, root);
    if (opts.secret && keptByRenkei(p)) continue;
    const found = kindOf(p0, root);
    const kind = found.kind === 'object' && depth >= 3 ? 'json' : found.kind;
    specs.push({
      key,
      name,
      kind,
      nullable: found.nullable,
      required: required.has(name),
      secret: opts.secret,
      description: p0.description ?? p.description,
      default: p0.default ?? p.default,
      options: found.options,
      children: kind === 'object' && found.object ? specsIn(found.object, root, key, opts, depth + 1) : undefined,
    });
  }
  // Required fields in the schema's own order of `required` (the connector's order), then the rest.
  const order = object.required ?? [];
  const req = specs.filter((s) => s.required).sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
  return [...req, ...specs.filter((s) => !s.required)];
}

/** The fields of `schema` in form order: required first, then the optional ones. */
export function specsOf(schema: JsonSchema | undefined, opts: { secret: boolean; skip?: Set<string> }): FieldSpec[] {
  if (!schema?.properties) return [];
  return specsIn(schema, schema, '', opts, 0);
}

/** Every spec, objects and their fields. */
function all(specs: FieldSpec[]): FieldSpec[] {
  return specs.flatMap((s) => [s, ...(s.children ? all(s.children) : [])]);
}

/** The fields a value is typed into (objects' fields, not the objects). */
function leaves(specs: FieldSpec[]): FieldSpec[] {
  return all(specs).filter((s) => s.kind !== 'object');
}

function getPath(o: unknown, key: string): unknown {
  let cur = o;
  for (const part of key.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function setPath(o: Record<string, unknown>, key: string, v: unknown): void {
  const parts = key.split('.');
  let cur = o;
  for (const part of parts.slice(0, -1)) {
    const next = cur[part];
    cur = (cur[part] = next && typeof next === 'object' && !Array.isArray(next) ? next : {}) as Record<string, unknown>;
  }
  cur[parts[parts.length - 1]] = v;
}

function toText(kind: Kind, v: unknown): string | boolean {
  if (v === undefined || v === null) return kind === 'boolean' ? false : '';
  switch (kind) {
    case 'boolean':
      return v === true;
    case 'strings':
      return Array.isArray(v) ? v.join('\n') : JSON.stringify(v);
    case 'map':
      return typeof v === 'object'
        ? Object.entries(v as Record<string, unknown>)
            .map(([k, x]) => `${k}=${String(x)}`)
            .join('\n')
        : JSON.stringify(v);
    case 'json':
      return JSON.stringify(v, null, 2);
    default:
      return String(v);
  }
}

/** The form's values for `current` (a connection's settings), or empty ones. */
export function initialValues(specs: FieldSpec[], current?: Record<string, unknown>): Values {
  const v: Values = {};
  for (const s of leaves(specs)) {
    v[s.key] = toText(s.kind, getPath(current, s.key) ?? (s.kind === 'boolean' ? s.default : undefined));
  }
  return v;
}

/** A field's value as JSON: undefined when left empty; an error text when it does not parse. */
function parseField(s: FieldSpec, raw: string | boolean): { value?: unknown; error?: 'json' | 'map' } {
  if (s.kind === 'boolean') return { value: raw === true };
  const text = String(raw).trim();
  if (text === '') return {};
  switch (s.kind) {
    case 'integer':
    case 'number': {
      const n = Number(text);
      // Sent as typed when it is no number: the API names the field.
      return { value: Number.isFinite(n) ? n : text };
    }
    case 'strings':
      return {
        value: text
          .split('\n')
          .map((l) => l.trim())
          .filter((l) => l !== ''),
      };
    case 'map': {
      const out: Record<string, string> = {};
      for (const line of text.split('\n')) {
        if (line.trim() === '') continue;
        const at = line.indexOf('=');
        if (at <= 0) return { error: 'map' };
        out[line.slice(0, at).trim()] = line.slice(at + 1).trim();
      }
      return { value: out };
    }
    case 'json':
      try {
        return { value: JSON.parse(text) };
      } catch {
        return { error: 'json' };
      }
    default:
      return { value: String(raw) };
  }
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The object a form stands for: for a create, the fields given (an object's fields over its
 * default); for a change (`current`), a merge patch of the fields that changed (a cleared
 * optional field restores its default). */
export function collect(
  specs: FieldSpec[],
  values: Values,
  current?: Record<string, unknown>,
): { value: Record<string, unknown>; errors: Record<string, 'json' | 'map'> } {
  const value: Record<string, unknown> = {};
  const errors: Record<string, 'json' | 'map'> = {};
  const given = (list: FieldSpec[], into: Record<string, unknown>, base: string) => {
    let any = false;
    for (const s of list) {
      const rel = base ? s.key.slice(base.length + 1) : s.key;
      if (s.kind === 'object') {
        const inner: Record<string, unknown> = {};
        if (given(s.children ?? [], inner, s.key)) {
          const start = s.default && typeof s.default === 'object' ? structuredClone(s.default) : {};
          into[rel] = { ...(start as Record<string, unknown>), ...inner };
          any = true;
        }
        continue;
      }
      const { value: v, error } = parseField(s, values[s.key] ?? '');
      if (error) {
        errors[s.key] = error;
        continue;
      }
      if (v === undefined) continue;
      if (s.kind === 'boolean' && !s.required && same(v, s.default ?? false)) continue;
      into[rel] = v;
      any = true;
    }
    return any;
  };
  if (!current) {
    given(specs, value, '');
    return { value, errors };
  }
  for (const s of leaves(specs)) {
    const { value: v, error } = parseField(s, values[s.key] ?? '');
    if (error) {
      errors[s.key] = error;
      continue;
    }
    const now = getPath(current, s.key);
    if (v === undefined) {
      if (now !== undefined && now !== null && s.kind !== 'boolean') setPath(value, s.key, null);
    } else if (!same(v, now)) {
      setPath(value, s.key, v);
    }
  }
  return { value, errors };
}

/** Where the API's problems go: each on the field it names, the rest above the form. */
export interface Placed {
  fields: Record<string, string[]>;
  rest: string[];
}

/** Whether a problem was placed on `spec` or one of its fields. */
export function placedUnder(placed: Placed, section: string, spec: FieldSpec): boolean {
  const id = `${section}.${spec.key}`;
  return Object.keys(placed.fields).some((k) => k === id || k.startsWith(`${id}.`));
}

/** Places `problem`'s messages on the fields of `sections` (`settings`, `secret`, and other
 * top-level fields). Field names come as `settings.kaonavi_url`, `gender_map`,
 * `secret.consumer_key` or `kaonavi_limits.requests_per_hour`: the deepest field the form
 * has gets it. A credentials problem that names no field goes on the secret fields its
 * message names. */
export function place(problem: Problem | undefined, sections: Record<string, FieldSpec[]>): Placed {
  const placed: Placed = { fields: {}, rest: [] };
  if (!problem) return placed;
  const entries: { field?: string; kind?: string; message: string }[] = [...(problem.problems ?? [])];
  if (problem.field && !entries.some((e) => e.field === problem.field)) {
    entries.unshift({ field: problem.field, message: problem.detail });
  }
  if (entries.length === 0) entries.push({ message: problem.detail });
  const keys: Record<string, Set<string>> = {};
  for (const [sec, specs] of Object.entries(sections)) keys[sec] = new Set(all(specs).map((s) => s.key));
  const deepest = (section: string, path: string[]) => {
    for (let n = path.length; n > 0; n--) {
      const k = path.slice(0, n).join('.');
      if (keys[section]?.has(k)) return k;
    }
    return undefined;
  };
  const put = (id: string, message: string) => {
    (placed.fields[id] ??= []).includes(message) || placed.fields[id].push(message);
  };
  for (const e of entries) {
    if (e.field) {
      const path = e.field.split('.');
      let at: string | undefined;
      if (path.length > 1 && keys[path[0]]) {
        const k = deepest(path[0], path.slice(1));
        if (k) at = `${path[0]}.${k}`;
      }
      if (!at) {
        for (const sec of Object.keys(sections)) {
          const k = deepest(sec, path);
          if (k) {
            at = `${sec}.${k}`;
            break;
          }
        }
      }
      if (at) {
        put(at, e.message);
        continue;
      }
    } else if (e.kind === 'credentials' && sections.secret) {
      const named = leaves(sections.secret).filter((s) => {
        const words = (s.description ?? '').replace(/\.$/, '').trim();
        return words.length > 0 && words.length <= 40 && e.message.toLowerCase().includes(words.toLowerCase());
      });
      if (named.length > 0) {
        for (const s of named) put(`secret.${s.key}`, e.message);
        continue;
      }
    }
    placed.rest.push(e.field ? `${e.field}: ${e.message}` : e.message);
  }
  return placed;
}

/** An element id for a field (dots would need escaping in selectors). */
export function fieldId(section: string, key: string): string {
  return `f-${section}-${key.replace(/\./g, '__')}`;
}

export function SchemaFields({
  specs,
  section,
  values,
  onChange,
  placed,
  local,
  readOnly,
}: {
  specs: FieldSpec[];
  section: string;
  values: Values;
  onChange: (key: string, v: string | boolean) => void;
  placed?: Placed;
  local?: Record<string, 'json' | 'map'>;
  readOnly?: Set<string>;
}) {
  return (
    <>
      {specs.map((s) =>
        s.kind === 'object' ? (
          <ObjectField
            key={s.key}
            spec={s}
            section={section}
            values={values}
            onChange={onChange}
            placed={placed}
            local={local}
            readOnly={readOnly?.has(s.key) ? new Set(all(s.children ?? []).map((c) => c.key)) : readOnly}
          />
        ) : (
          <SchemaField
            key={s.key}
            spec={s}
            section={section}
            value={values[s.key] ?? ''}
            onChange={(v) => onChange(s.key, v)}
            messages={placed?.fields[`${section}.${s.key}`]}
            local={local?.[s.key]}
            readOnly={readOnly?.has(s.key)}
          />
        ),
      )}
    </>
  );
}

/** An object's fields, as a group. */
function ObjectField({
  spec: s,
  section,
  values,
  onChange,
  placed,
  local,
  readOnly,
}: {
  spec: FieldSpec;
  section: string;
  values: Values;
  onChange: (key: string, v: string | boolean) => void;
  placed?: Placed;
  local?: Record<string, 'json' | 'map'>;
  readOnly?: Set<string>;
}) {
  const { lang } = useI18n();
  const id = fieldId(section, s.key);
  const messages = placed?.fields[`${section}.${s.key}`];
  return (
    <fieldset class="group" aria-describedby={[s.description ? `${id}-hint` : '', messages ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined}>
      <legend>
        {fieldLabel(s.name, lang)} <code class="key">{s.key}</code>
      </legend>
      {s.description ? (
        <p class="hint" id={`${id}-hint`}>
          {s.description}
        </p>
      ) : null}
      {messages ? (
        <p class="field-error" id={`${id}-error`}>
          {messages.join(' ')}
        </p>
      ) : null}
      <SchemaFields specs={s.children ?? []} section={section} values={values} onChange={onChange} placed={placed} local={local} readOnly={readOnly} />
    </fieldset>
  );
}

function SchemaField({
  spec: s,
  section,
  value,
  onChange,
  messages,
  local,
  readOnly,
}: {
  spec: FieldSpec;
  section: string;
  value: string | boolean;
  onChange: (v: string | boolean) => void;
  messages?: string[];
  local?: 'json' | 'map';
  readOnly?: boolean;
}) {
  const { t, lang } = useI18n();
  const id = fieldId(section, s.key);
  const hint = `${id}-hint`;
  const err = `${id}-error`;
  const errors = [...(messages ?? []), ...(local ? [t(local === 'json' ? 'form.not_json' : 'form.not_map')] : [])];
  const invalid = errors.length > 0;
  const describedBy = [s.description || s.kind === 'map' || s.kind === 'strings' ? hint : '', invalid ? err : '']
    .filter(Boolean)
    .join(' ') || undefined;
  const common = {
    id,
    name: `${section}.${s.key}`,
    'aria-describedby': describedBy,
    'aria-invalid': invalid ? ('true' as const) : undefined,
    'aria-required': s.required ? ('true' as const) : undefined,
    readOnly,
    disabled: readOnly && (s.kind === 'boolean' || s.kind === 'enum'),
  };
  const placeholder =
    s.default !== undefined && s.default !== null && typeof s.default !== 'object' ? String(s.default) : undefined;
  let input;
  switch (s.kind) {
    case 'boolean':
      input = (
        <input type="checkbox" {...common} checked={value === true} onChange={(e) => onChange(e.currentTarget.checked)} />
      );
      break;
    case 'enum':
      input = (
        <select {...common} value={String(value)} onChange={(e) => onChange(e.currentTarget.value)}>
          <option value="">{placeholder ? t('form.default', { value: placeholder }) : '—'}</option>
          {s.options?.map((o) => (
            <option key={o.value} value={o.value}>
              {o.value}
            </option>
          ))}
        </select>
      );
      break;
    case 'strings':
    case 'map':
    case 'json':
      input = (
        <textarea
          {...common}
          rows={s.kind === 'json' ? 5 : 3}
          spellcheck={false}
          class={s.kind === 'json' ? 'mono' : undefined}
          value={String(value)}
          placeholder={s.kind === 'json' && s.default !== undefined ? JSON.stringify(s.default) : undefined}
          onInput={(e) => onChange(e.currentTarget.value)}
        />
      );
      break;
    default:
      input = (
        <input
          {...common}
          type={s.secret ? 'password' : s.kind === 'string' ? 'text' : 'number'}
          inputMode={s.kind === 'integer' ? 'numeric' : s.kind === 'number' ? 'decimal' : undefined}
          step={s.kind === 'number' ? 'any' : undefined}
          autoComplete={s.secret ? 'new-password' : 'off'}
          spellcheck={false}
          value={String(value)}
          placeholder={placeholder}
          onInput={(e) => onChange(e.currentTarget.value)}
        />
      );
  }
  const label = fieldLabel(s.name, lang);
  const kindHint = s.kind === 'map' ? t('form.map_hint') : s.kind === 'strings' ? t('form.strings_hint') : '';
  return (
    <div class={`field field-${s.kind}${invalid ? ' field-invalid' : ''}`}>
      <label for={id}>
        {label}
        {s.required ? (
          <span class="required" aria-hidden="true">
            {' '}
            *
          </span>
        ) : null}{' '}
        <code class="key">{s.key}</code>
      </label>
      {s.kind === 'boolean' ? input : null}
      {s.description || kindHint ? (
        <p class="hint" id={hint}>
          {s.description}
          {kindHint ? ` ${kindHint}` : ''}
        </p>
      ) : null}
      {s.kind === 'boolean' ? null : input}
      {invalid ? (
        <p class="field-error" id={err}>
          {errors.join(' ')}
        </p>
      ) : null}
    </div>
  );
}
