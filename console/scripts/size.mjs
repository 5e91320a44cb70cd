// The console's weight as browsers fetch it: gzip of app.js + app.css (limit 200 KB), and a
// check that the development-only sign-in skip did not reach the build.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const LIMIT = 200 * 1024;
const files = ['dist/assets/app.js', 'dist/assets/app.css'];
let total = 0;
for (const f of files) {
  const body = readFileSync(new URL(`../${f}`, import.meta.url));
  const gz = gzipSync(body, { level: 9 }).length;
  total += gz;
  console.log(`${f}: ${(body.length / 1024).toFixed(1)} KB, ${(gz / 1024).toFixed(1)} KB gzip`);
}
console.log(`total: ${(total / 1024).toFixed(1)} KB gzip (limit ${LIMIT / 1024} KB)`);
const js = readFileSync(new URL('../dist/assets/app.js', import.meta.url), 'utf8');
if (js.includes('VITE_RENKEI_DEV_NO_SIGN_IN')) {
  console.error('the development sign-in skip is in the production build');
  process.exit(1);
}
if (total > LIMIT) {
  console.error(`over the limit by ${((total - LIMIT) / 1024).toFixed(1)} KB`);
  process.exit(1);
}
