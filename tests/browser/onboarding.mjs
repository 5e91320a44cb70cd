// C5 onboarding as a customer's LinkedIn admin does it (issue 27 item 5), in headless
// Chromium: `renkei sandbox` plays Recruitee and LinkedIn (with its stand-in for LinkedIn's
// widget), the CLI connects C5 and makes the onboarding link on its own state folder, and
// `renkei admin serve` on that folder is the stack serving the onboarding page. The admin
// opens the link, picks the contract in LinkedIn's widget, ticks Recruiter System Connect
// and saves; the widget's onintegrate makes the page notify renkei. Then: the admin API and
// the CLI say the connection is active, the simulator holds renkei's CALLBACK_URL, and a
// tampered link is refused. A screenshot goes to tests/browser/artifacts/.
//
// Needs: the renkei binary (RENKEI_BIN, default $CARGO_TARGET_DIR/debug/renkei, else
// target/debug/renkei) and Chromium
// (CHROMIUM, default /usr/bin/chromium). Run: node tests/browser/onboarding.mjs
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import {
  CHROMIUM, CHROMIUM_ARGS, artifacts, call, cleanup, cli, freePort, keep, serve, stop,
} from './support.mjs';

async function main() {
  mkdirSync(artifacts, { recursive: true });
  const [sandboxPort, adminPort] = [await freePort(), await freePort()];
  const sandboxDir = keep(mkdtempSync(join(tmpdir(), 'renkei-browser-sandbox-')));
  const stackDir = keep(mkdtempSync(join(tmpdir(), 'renkei-browser-stack-')));
  const sb = `http://127.0.0.1:${sandboxPort}`;
  const stack = `http://127.0.0.1:${adminPort}`;

  // The vendors: Recruitee company 61, LinkedIn organization 777 with a Corporate and a
  // Lite contract, and a partner application.
  // Its console (not used here) on any free port: not beside a port another test holds.
  await serve(['--dir', sandboxDir, 'sandbox', '--port', String(sandboxPort), '--console-port', '0'], /sandbox listening/);
  const control = (method, path, body) => call(method, `${sb}/_control${path}`, body);
  await control('PUT', '/recruitee/companies/61', { token: 'rt' });
  await control('POST', '/recruitee/companies/61/load', { candidates: 3, offers: 2, seed: 3 });
  await control('PUT', '/linkedin/partner', { client_id: 'browser-partner', client_secret: 'browser-partner-secret' });
  const users = { 'admin@acme.example': ['ADMIN'], 'recruiter@acme.example': ['RECRUITER'] };
  await control('PUT', '/linkedin/organizations/777', {
    contracts: [
      { id: '1', name: 'Acme Recruiter', type: 'RECRUITER_CORPORATE', users },
      { id: '2', name: 'Acme Lite', type: 'RECRUITER_LITE', users },
    ],
  });
  await control('PUT', '/linkedin/limits', { activation_checks: 0 });

  // The operator: the stack's partner secret, the connection (its first run provisions the
  // child application), the link.
  const on = ['--dir', stackDir];
  await cli([...on, 'linkedin', 'partner', '--client-id', 'browser-partner'], {
    LINKEDIN_PARTNER_CLIENT_SECRET: 'browser-partner-secret',
  });
  await cli([...on, 'linkedin', 'connect', '--tenant', 'acme', '--connection', 'c5', '--company', '61',
    '--recruitee-token', 'rt', '--recruitee-url', `${sb}/recruitee/c/61`, '--linkedin-url', `${sb}/linkedin`,
    '--organization', '777', '--contract', '1', '--webhook-base', `${sb}/webhooks`, '--onboarding-url', stack]);
  const link = JSON.parse(await cli([...on, '--json', 'linkedin', 'onboarding-link', '--tenant', 'acme',
    '--connection', 'c5', '--ttl', '1h']));
  assert.ok(link.url.startsWith(`${stack}/onboarding/linkedin/`), link.url);
  const apps = await control('GET', '/linkedin/apps');
  assert.deepEqual(apps.apps[0].validJsSdkDomains, [stack], 'the child lets the stack embed the widget');

  // The stack serving the page.
  const admin = await serve([...on, 'admin', 'serve', '--port', String(adminPort)], /admin API on/);

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
  });
  try {
    const page = await browser.newPage();
    const opened = await page.goto(link.url);
    assert.equal(opened.status(), 200);
    const widget = page.frameLocator('iframe[title="LinkedIn ATS Integration Configuration"]');
    await widget.locator('#member').selectOption('admin@acme.example');
    await widget.locator('#contract').selectOption('1');
    await widget.locator('input[value="RECRUITER_SYSTEM_CONNECT_COMPANY"]').check();
    await widget.locator('input[value="RECRUITER_SYSTEM_CONNECT_CONTRACT"]').check();
    await widget.locator('#save').click();
    await widget.locator('#status').filter({ hasText: 'Saved' }).waitFor({ timeout: 20_000 });
    // The widget's onintegrate made the page notify renkei.
    await page.locator('#status').filter({ hasText: /^active/ }).waitFor({ timeout: 20_000 });
    await page.screenshot({ path: join(artifacts, 'onboarding.png'), fullPage: true });

    const status = await call('GET', `${stack}/v1/tenants/acme/connections/c5/linkedin`);
    assert.equal(status.activation.status, 'active', JSON.stringify(status));
    const held = await control('GET', '/linkedin/organizations/777/data');
    assert.equal(held.callbackUrl, `${sb}/webhooks/linkedin/acme/c5`, JSON.stringify(held));
    assert.ok(held.integrations.every((i) => i.integrationName), 'renkei named every integration');

    // A changed link is refused.
    const token = link.url.split('/').pop();
    const flipped = token.slice(0, -3) + (token.at(-3) === 'A' ? 'B' : 'A') + token.slice(-2);
    const refused = await page.goto(link.url.replace(token, flipped));
    assert.equal(refused.status(), 404);
  } finally {
    await browser.close();
  }
  await stop(admin.child);
  // The CLI reads the same state once the stack has let go of it.
  const cliStatus = JSON.parse(await cli([...on, '--json', 'linkedin', 'status', '--tenant', 'acme', '--connection', 'c5']));
  assert.equal(cliStatus.activation.status, 'active', JSON.stringify(cliStatus));
  console.log(`onboarding in Chromium: active; screenshot ${join(artifacts, 'onboarding.png')}`);
}

try {
  await main();
} finally {
  await cleanup();
}
