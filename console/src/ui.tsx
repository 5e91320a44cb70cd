// Small shared pieces: loading state, problems, dialogs, times, statuses, pagers.
import type { ComponentChildren } from 'preact';
import { createContext } from 'preact';
import { useCallback, useContext, useEffect, useRef, useState } from 'preact/hooks';
import { problemOf, type Problem } from './api/client';
import { useI18n, type Key } from './i18n';
import { formatTime } from './time';

/** The zone times on this page are shown in. */
export const ZoneContext = createContext<string>('Asia/Tokyo');

export interface Loaded<T> {
  data: T | undefined;
  problem: Problem | undefined;
  loading: boolean;
  reload: () => void;
}

/** Runs `load` when `deps` change (and on reload); its data or its problem. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; problem?: Problem; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => live && setState({ data, loading: false }),
      (e) => live && setState({ problem: problemOf(e), loading: false }),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { data: state.data, problem: state.problem, loading: state.loading, reload };
}

/** An action's state: running, its problem, and a message when it is done. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | undefined>();
  const run = useCallback(async <T,>(f: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setProblem(undefined);
    try {
      return await f();
    } catch (e) {
      setProblem(problemOf(e));
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, problem, setProblem, run };
}

export function ProblemView({ problem, id }: { problem: Problem | undefined; id?: string }) {
  const { t } = useI18n();
  if (!problem) return null;
  const rest = (problem.problems ?? []).filter((p) => p.message !== problem.detail);
  return (
    <div class="problem" role="alert" id={id}>
      <p class="problem-title">
        {problem.status ? `${problem.status} ` : ''}
        {problem.title}
      </p>
      <p class="problem-detail">{problem.detail}</p>
      {rest.length > 0 && (
        <ul>
          {rest.map((p, i) => (
            <li key={i}>
              {p.field ? <code>{p.field}</code> : null} {p.message}
            </li>
          ))}
        </ul>
      )}
      {problem.request_id && (
        <p class="muted">
          {t('problem.request_id')}: <code>{problem.request_id}</code>
        </p>
      )}
    </div>
  );
}

export function Loading({ what }: { what?: Loaded<unknown> }) {
  const { t } = useI18n();
  if (what && !what.loading) return <ProblemView problem={what.problem} />;
  return (
    <p class="muted" role="status">
      {t('loading')}
    </p>
  );
}

export function Time({ iso, zone }: { iso: string | null | undefined; zone?: string }) {
  const { lang } = useI18n();
  const ctx = useContext(ZoneContext);
  if (!iso) return <span class="muted">—</span>;
  return (
    <time dateTime={iso} title={iso}>
      {formatTime(iso, zone ?? ctx, lang)}
    </time>
  );
}

const STATUS_CLASS: Record<string, string> = {
  succeeded: 'ok',
  partial: 'warn',
  failed: 'bad',
  auth_failed: 'bad',
  interrupted: 'bad',
  running: 'info',
  continued: 'info',
  on: 'ok',
  off: 'muted',
  paused: 'warn',
};

export function Badge({ kind, children }: { kind: string; children: ComponentChildren }) {
  return <span class={`badge badge-${STATUS_CLASS[kind] ?? kind}`}>{children}</span>;
}

export function RunStatusBadge({ status }: { status: string | undefined | null }) {
  const { t } = useI18n();
  if (!status) return <span class="muted">—</span>;
  return <Badge kind={status}>{t(`status.${status}` as Key)}</Badge>;
}

export function AutomationBadge({ automation }: { automation: string }) {
  const { t } = useI18n();
  return <Badge kind={automation}>{t(`automation.${automation}` as Key)}</Badge>;
}

/** A table that scrolls sideways on narrow screens, reachable by keyboard. */
export function TableWrap({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <div class="table-wrap" role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
}

/** A modal `<dialog>`: open while `open`; Escape or the close button calls onClose. */
export function Dialog({
  open,
  title,
  onClose,
  children,
}: {
  open: boolean;
  title: string;
  onClose: () => void;
  children: ComponentChildren;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const id = useId('dialog');
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog ref={ref} aria-labelledby={id} onClose={onClose} onCancel={onClose}>
      <h2 id={id}>{title}</h2>
      {open ? children : null}
    </dialog>
  );
}

let ids = 0;
/** A stable id for this component instance. */
export function useId(prefix: string): string {
  const ref = useRef<string>();
  if (!ref.current) ref.current = `${prefix}-${++ids}`;
  return ref.current;
}

/** Cursor paging: the cursors of the pages before this one, so "newer" can go back. */
export function usePager() {
  const [stack, setStack] = useState<(string | undefined)[]>([undefined]);
  const cursor = stack[stack.length - 1];
  return {
    cursor,
    page: stack.length,
    next: (c: string) => setStack((s) => [...s, c]),
    prev: () => setStack((s) => (s.length > 1 ? s.slice(0, -1) : s)),
    reset: () => setStack([undefined]),
  };
}

export function Pager({
  pager,
  next,
  older,
}: {
  pager: ReturnType<typeof usePager>;
  next: string | undefined;
  older?: boolean;
}) {
  const { t } = useI18n();
  if (pager.page === 1 && !next) return null;
  return (
    <nav class="pager" aria-label={t('pager.label')}>
      <button type="button" disabled={pager.page === 1} onClick={pager.prev}>
        {older ? t('pager.newer') : t('pager.prev')}
      </button>
      <span>{t('pager.page', { n: pager.page })}</span>
      <button type="button" disabled={!next} onClick={() => next && pager.next(next)}>
        {older ? t('pager.older') : t('pager.next')}
      </button>
    </nav>
  );
}

/** A status line read out by screen readers. */
export function Notice({ text }: { text: string | undefined }) {
  return (
    <p class="notice" role="status" aria-live="polite">
      {text ?? ''}
    </p>
  );
}

export function PageTitle({ children, sub }: { children: ComponentChildren; sub?: ComponentChildren }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    // A new page: move focus to its heading so keyboard and screen-reader users start there.
    ref.current?.focus({ preventScroll: true });
  }, []);
  return (
    <div class="page-title">
      <h1 ref={ref} tabIndex={-1}>
        {children}
      </h1>
      {sub ? <p class="muted">{sub}</p> : null}
    </div>
  );
}

/** A form's buttons: submit (off while `busy`), and cancel when the form can be left. */
export function FormButtons({ submit, busy, onCancel }: { submit: ComponentChildren; busy: boolean; onCancel?: () => void }) {
  const { t } = useI18n();
  return (
    <div class="actions">
      <button type="submit" class="primary" disabled={busy}>
        {submit}
      </button>
      {onCancel ? (
        <button type="button" onClick={onCancel}>
          {t('cancel')}
        </button>
      ) : null}
    </div>
  );
}

/** A list row's edit and delete buttons. */
export function RowActions({
  edit,
  remove,
  onEdit,
  onRemove,
}: {
  edit: string;
  remove: string;
  onEdit: () => void;
  onRemove: () => void;
}) {
  return (
    <div class="actions compact">
      <button type="button" onClick={onEdit}>
        {edit}
      </button>
      <button type="button" class="danger" onClick={onRemove}>
        {remove}
      </button>
    </div>
  );
}
