// Proves `cdk deploy`'s build of the named functions without building all eight (a cold
// arm64 release build of every function takes ~25 min on 2 cores): an app with one
// RustFunction per binary given, built by the stack's own rustBuild() — the manifest path,
// binary name and architecture `cdk deploy` uses — synthesised with bundling on, so
// cargo-lambda-cdk runs its local `cargo lambda build --release --arm64 --bin <binary>` at
// the workspace root. Fails unless each asset holds an arm64 `bootstrap`.
//
//   npx tsx bin/bundle-check.ts dispatcher [binary …]     (cargo-lambda and zig on PATH)
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { RustFunction } from 'cargo-lambda-cdk';
import { FUNCTIONS, rustBuild } from '../lib/renkei-stack';

const binaries = process.argv.slice(2);
const known = new Set(FUNCTIONS.map(([, binary]) => binary));
if (binaries.length === 0 || binaries.some((b) => !known.has(b))) {
  console.error(`usage: bundle-check.ts <binary>…  (one of: ${[...known].join(', ')})`);
  process.exit(2);
}

const outdir = fs.mkdtempSync(path.join(fs.realpathSync(process.env.TMPDIR ?? '/tmp'), 'renkei-bundle-'));
// The CDK CLI sets these two for `cdk synth`; a bare App needs them to name each asset.
const app = new App({
  outdir,
  context: { 'aws:cdk:enable-path-metadata': true, 'aws:cdk:enable-asset-metadata': true },
});
const stack = new Stack(app, 'RenkeiBundleCheck');
for (const binary of binaries) {
  new RustFunction(stack, binary, rustBuild(binary));
}
const assembly = app.synth();
const template = assembly.getStackByName('RenkeiBundleCheck').template;

let failed = false;
for (const binary of binaries) {
  const fn = Object.values<any>(template.Resources).find(
    (r) => r.Type === 'AWS::Lambda::Function' && r.Metadata?.['aws:cdk:path'] === `RenkeiBundleCheck/${binary}/Resource`,
  );
  const asset = fn?.Metadata?.['aws:asset:path'];
  const bootstrap = asset && path.join(outdir, asset, 'bootstrap');
  if (!bootstrap || !fs.existsSync(bootstrap)) {
    console.error(`${binary}: no bootstrap in the bundled asset (${bootstrap ?? 'no asset'})`);
    failed = true;
    continue;
  }
  // ELF header: e_machine 0xB7 is AArch64 — what Lambda's arm64 runs.
  const head = fs.readFileSync(bootstrap).subarray(0, 20);
  const arm64 = head.subarray(0, 4).toString('latin1') === '\x7fELF' && head.readUInt16LE(18) === 0xb7;
  console.log(`${binary}: ${bootstrap} (${fs.statSync(bootstrap).size} bytes, ${arm64 ? 'arm64' : 'NOT arm64'})`);
  failed ||= !arm64;
}
fs.rmSync(outdir, { recursive: true, force: true });
process.exit(failed ? 1 : 0);
