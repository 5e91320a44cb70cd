// What both browser tests need around the browser: the renkei binary and Chromium, free
// loopback ports, `renkei` as a server or a command, JSON calls, and stopping and removing
// what a test started (`cleanup`, in its `finally`).
import { spawn, execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
export const RENKEI =
  process.env.RENKEI_BIN ??
  join(process.env.CARGO_TARGET_DIR ?? join(root, 'target'), 'debug', 'renkei');
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
/** Headless Chromium as this machine runs it (Debian's; Playwright cannot fetch its own). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
export const artifacts = join(here, 'artifacts');
const run = promisify(execFile);
const children = [];
const dirs = [];

/** A free port on 127.0.0.1 (the OS picks it; nothing holds it afterwards). */
export function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

/** A folder the test removes at its end. */
export function keep(dir) {
  dirs.push(dir);
  return dir;
}

/** `renkei` as a long-running process; resolves once its stdout matches `ready`. */
export function serve(args, ready) {
  return new Promise((ok, fail) => {
    const child = spawn(RENKEI, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    let err = '';
    const timer = setTimeout(() => fail(new Error(`renkei ${args.join(' ')} did not start:\n${out}${err}`)), 60_000);
    child.stdout.on('data', (c) => {
      out += c;
      if (ready.test(out)) {
        clearTimeout(timer);
        ok({ child, out });
      }
    });
    child.stderr.on('data', (c) => {
      err += c;
      if (process.env.RENKEI_TEST_VERBOSE) process.stderr.write(c);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`renkei ${args.join(' ')} exited ${code}:\n${out}${err}`));
    });
  });
}

/** One `renkei` command (with `env` added to this process's); its stdout. */
export async function cli(args, env = {}) {
  try {
    const { stdout } = await run(RENKEI, args, { env: { ...process.env, ...env }, timeout: 120_000 });
    return stdout;
  } catch (e) {
    throw new Error(`renkei ${args.join(' ')}: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

/** A JSON request; its parsed answer (null when empty), or an error naming the status. */
export async function call(method, url, body) {
  const r = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${url}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** Stops a server `serve` started, and waits until it has gone. */
export async function stop(child) {
  // Ended already (by itself, or by a signal: then exitCode stays null and 'exit' has fired).
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((ok) => child.once('exit', ok));
  child.kill('SIGTERM');
  await exited;
}

/** Stops every server and removes every kept folder. */
export async function cleanup() {
  for (const c of children) await stop(c);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
