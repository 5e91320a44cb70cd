// After `npm run gen` and `npm run build`: the committed types and build must be what the
// sources make (the admin crate embeds dist/ with include_bytes!).
import { execFileSync } from 'node:child_process';

const changed = execFileSync('git', ['status', '--porcelain', '--', 'dist', 'src/api'], { encoding: 'utf8' });
if (changed.trim() !== '') {
  console.error(`console/dist or console/src/api differ from what the sources make; commit the rebuilt files:\n${changed}`);
  process.exit(1);
}
console.log('console/dist and console/src/api are what the sources make');
