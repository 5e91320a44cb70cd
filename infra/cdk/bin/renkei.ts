// The CDK app: one stack, the same as infra/template.yaml (SAM), with cdk-nag's AwsSolutions
// checks as an aspect — `cdk synth` fails on any finding that is not suppressed with a reason.
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { RenkeiStack } from '../lib/renkei-stack';

// RENKEI_SKIP_BUNDLING=1 (npm run synth, the tests): synthesise without building the Rust
// functions (no cargo lambda build, no AWS account needed); cdk deploy builds them.
// (Set on the app itself: the CLI's own context asks to bundle every stack.)
const app = new App();
if (process.env.RENKEI_SKIP_BUNDLING === '1') {
  app.node.setContext('aws:cdk:bundling-stacks', []);
}
new RenkeiStack(app, 'Renkei', {
  description: 'renkei - HR data connectors (dispatcher + one Lambda per connector)',
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
