// renkei's stack in CDK: the same resources, logical IDs, rules and least-privilege policies
// as infra/template.yaml (SAM), so that a team can deploy with either. tests/cdk_parity.rs
// compares the synthesised template with the SAM one (functions, rules, table, queue, IAM
// actions); keep the two in step.
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  Aws, CfnCondition, CfnDeletionPolicy, CfnOutput, CfnParameter, Duration, Fn, Stack, StackProps, Validations,
} from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { RustFunction, RustFunctionProps } from 'cargo-lambda-cdk';
import { Construct } from 'constructs';

/** The workspace's Cargo.toml: every function is a binary of it (cargo lambda build). */
const MANIFEST = path.join(__dirname, '..', '..', '..', 'Cargo.toml');

/** Every function's logical ID and binary, in the order the stack defines them. */
/**
 * How a function is built: `cargo lambda build --release --arm64 --bin <binary>` at the
 * workspace root (RustFunction's local bundling). One place, so that bin/bundle-check.ts —
 * which CI runs to prove the bundling — builds exactly as `cdk deploy` does.
 */
export function rustBuild(binary: string): Pick<RustFunctionProps, 'manifestPath' | 'binaryName' | 'architecture'> {
  return { manifestPath: MANIFEST, binaryName: binary, architecture: lambda.Architecture.ARM_64 };
}

/**
 * The connectors: logical ID of the function, its binary (= `detail.connector`) and its
 * timeout in seconds, read from each function folder whose Cargo.toml declares
 * `[package.metadata.renkei] connector-timeout = N` — so a new connector's function folder
 * is all the CDK needs (tests/cdk_parity.rs checks the list equals the SAM template's).
 */
export const CONNECTORS: [string, string, number][] = connectorFunctions(
  path.join(path.dirname(MANIFEST), 'functions'),
);

/** `functions/<binary>/Cargo.toml` files that declare a connector, in folder order. */
export function connectorFunctions(dir: string): [string, string, number][] {
  return fs.readdirSync(dir).sort().flatMap((binary): [string, string, number][] => {
    const manifest = path.join(dir, binary, 'Cargo.toml');
    if (!fs.existsSync(manifest)) return [];
    const text = fs.readFileSync(manifest, 'utf8');
    const section = text.split(/^\[package\.metadata\.renkei\]\s*$/m)[1]?.split(/^\[/m)[0];
    const timeout = section?.match(/^connector-timeout\s*=\s*(\d+)\s*$/m)?.[1];
    if (timeout === undefined) return [];
    const id = binary.split('-').map((w) => w[0].toUpperCase() + w.slice(1)).join('') + 'Function';
    return [[id, binary, Number(timeout)]];
  });
}

/** Every function's logical ID and binary (tests/deployment.rs checks each builds by its name). */
export const FUNCTIONS: [string, string][] = [
  ['DispatcherFunction', 'dispatcher'],
  ...CONNECTORS.map(([id, binary]): [string, string] => [id, binary]),
  ['WebhooksFunction', 'webhooks'],
  ['AdminFunction', 'admin'],
];

export class RenkeiStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    const mailFrom = new CfnParameter(this, 'MailFrom', {
      type: 'String', description: 'SES-verified sender address for failure emails',
    });
    const mailIdentity = new CfnParameter(this, 'MailIdentity', {
      type: 'String', default: '', description: 'SES identity (domain or address) that MailFrom belongs to; empty = MailFrom',
    });
    const alarmTopicArn = new CfnParameter(this, 'AlarmTopicArn', {
      type: 'String', default: '', description: 'SNS topic told when events fail to reach a function (empty = alarm only)',
    });
    const jwtIssuer = new CfnParameter(this, 'JwtIssuer', {
      type: 'String', default: '', description: 'Issuer of the JWTs the admin API takes instead of IAM (empty = IAM / SigV4)',
    });
    const jwtAudience = new CfnParameter(this, 'JwtAudience', {
      type: 'String', default: '', description: 'Audience (client id) of those JWTs',
    });
    const createUserPool = new CfnParameter(this, 'CreateUserPool', {
      type: 'String', default: 'false', allowedValues: ['false', 'true'],
      description: 'true = create a Cognito user pool with a hosted sign-in for the web console (/console/) and take its tokens at the admin API instead of IAM; ignored when JwtIssuer is set (docs/operations.md: users, tenant:<id> groups, renkei-operators)',
    });
    const consoleAuthorizeUrl = new CfnParameter(this, 'ConsoleAuthorizeUrl', {
      type: 'String', default: '',
      description: 'With JwtIssuer, the issuer\'s OIDC authorization endpoint the console signs in at (empty = the console cannot sign in); JwtAudience is the console\'s client id (a public client, PKCE)',
    });
    const consoleTokenUrl = new CfnParameter(this, 'ConsoleTokenUrl', {
      type: 'String', default: '',
      description: 'With JwtIssuer, the issuer\'s OIDC token endpoint (it must answer the console\'s origin with CORS)',
    });
    const consoleLogoutUrl = new CfnParameter(this, 'ConsoleLogoutUrl', {
      type: 'String', default: '',
      description: 'With JwtIssuer, where signing out of the console ends the issuer\'s session (optional)',
    });
    const operatorGroup = new CfnParameter(this, 'OperatorGroup', {
      type: 'String', default: '',
      description: 'With JwtIssuer, a TenantClaim value that makes a user an operator of every tenant (empty = only IAM callers are operators; the created user pool uses renkei-operators)',
    });
    const tenantClaim = new CfnParameter(this, 'TenantClaim', {
      type: 'String', default: 'cognito:groups',
      description: 'JWT claim naming the tenant(s) a caller may act on; users must not be able to set it (default Cognito groups, values tenant:<id>; docs/operations.md)',
    });
    const secretRecoveryDays = new CfnParameter(this, 'SecretRecoveryDays', {
      type: 'Number', default: 7, minValue: 7, maxValue: 30,
      description: 'Days a disconnected connection\'s secret stays restorable (only an operator purges at once)',
    });
    const allowedVendorHosts = new CfnParameter(this, 'AllowedVendorHosts', {
      type: 'String', default: '',
      description: 'Comma-separated hosts the functions may call besides each vendor\'s documented ones (https only; HRMOS, Mynavi, Mikiwame and Roumumate document none; docs/operations.md)',
    });
    const webhooksConcurrency = new CfnParameter(this, 'WebhooksConcurrency', {
      type: 'Number', default: 10, minValue: 0,
      description: 'Reserved (and most) concurrent executions of the public webhooks function, so that a flood of webhooks cannot take the connector functions\' concurrency (0 = none reserved, for accounts whose quota is too small)',
    });
    const linkedinPartnerSecretName = new CfnParameter(this, 'LinkedinPartnerSecretName', {
      type: 'String', default: 'renkei/linkedin-partner', allowedPattern: '^[A-Za-z0-9/_+=.@-]+$',
      description: 'Secrets Manager name of the deployment\'s LinkedIn partner application ({"client_id","client_secret"}; `renkei linkedin partner`); only the recruitee-linkedin function may read it (docs/operations.md)',
    });
    Validations.of(this).acknowledge({
      id: 'CloudFormation-Validate::W2509',
      reason: 'The name of a secret, not a secret: the value stays in Secrets Manager.',
    });
    const identityGiven = new CfnCondition(this, 'IdentityGiven', {
      expression: Fn.conditionNot(Fn.conditionEquals(mailIdentity.valueAsString, '')),
    });
    const alarmTopicGiven = new CfnCondition(this, 'AlarmTopicGiven', {
      expression: Fn.conditionNot(Fn.conditionEquals(alarmTopicArn.valueAsString, '')),
    });
    const jwtGiven = new CfnCondition(this, 'JwtGiven', {
      expression: Fn.conditionNot(Fn.conditionEquals(jwtIssuer.valueAsString, '')),
    });
    const userPoolWanted = new CfnCondition(this, 'UserPoolWanted', {
      expression: Fn.conditionAnd(Fn.conditionNot(jwtGiven), Fn.conditionEquals(createUserPool.valueAsString, 'true')),
    });
    const jwtAuthorised = new CfnCondition(this, 'JwtAuthorised', {
      expression: Fn.conditionOr(jwtGiven, userPoolWanted),
    });
    const webhooksConcurrencyGiven = new CfnCondition(this, 'WebhooksConcurrencyGiven', {
      expression: Fn.conditionNot(Fn.conditionEquals(webhooksConcurrency.valueAsString, '0')),
    });

    // Single table: docs/state-store.md. Sparse "due" index; TTL on expires_at.
    const table = new dynamodb.Table(this, 'StateTable', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'expires_at',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
    });
    table.addGlobalSecondaryIndex({
      indexName: 'due',
      partitionKey: { name: 'due_shard', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'due_at', type: dynamodb.AttributeType.NUMBER },
      projectionType: dynamodb.ProjectionType.ALL,
    });
    (table.node.defaultChild as dynamodb.CfnTable).overrideLogicalId('StateTable');

    const bus = new events.EventBus(this, 'Bus', { eventBusName: `${Aws.STACK_NAME}-bus` });
    (bus.node.defaultChild as events.CfnEventBus).overrideLogicalId('Bus');

    const failed = new sqs.Queue(this, 'FailedInvocations', {
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    (failed.node.defaultChild as sqs.CfnQueue).overrideLogicalId('FailedInvocations');
    Validations.of(failed).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SQS3', reason: 'This queue is the dead-letter queue of every rule and function.',
    });
    failed.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('events.amazonaws.com')],
      actions: ['sqs:SendMessage'],
      resources: [failed.queueArn],
      conditions: {
        ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:events:${Aws.REGION}:${Aws.ACCOUNT_ID}:rule/${bus.eventBusName}/*` },
      },
    }));

    // An alarm on any value above 0 in 5 minutes, told to AlarmTopicArn when one is given.
    const alarm = (logicalId: string, description: string,
      metric: Pick<cloudwatch.CfnAlarmProps, 'namespace' | 'metricName' | 'dimensions' | 'statistic'>) => {
      const a = new cloudwatch.CfnAlarm(this, logicalId, {
        alarmDescription: description,
        ...metric,
        period: 300,
        evaluationPeriods: 1,
        threshold: 0,
        comparisonOperator: 'GreaterThanThreshold',
        treatMissingData: 'notBreaching',
        alarmActions: Fn.conditionIf(alarmTopicGiven.logicalId, [alarmTopicArn.valueAsString], Aws.NO_VALUE) as unknown as string[],
      });
      a.overrideLogicalId(logicalId);
      Validations.of(a).acknowledge({
        id: 'CloudFormation-Validate::W1030',
        reason: 'AlarmActions is AWS::NoValue when AlarmTopicArn is empty (condition AlarmTopicGiven).',
      });
    };
    alarm('FailedInvocationsAlarm', 'Events or invocations that never reached a connector (see the FailedInvocations queue)', {
      namespace: 'AWS/SQS',
      metricName: 'ApproximateNumberOfMessagesVisible',
      dimensions: [{ name: 'QueueName', value: failed.queueName }],
      statistic: 'Maximum',
    });
    // renkei paused a connection after repeated failures (renkei/paused_connections, EMF).
    alarm('PausedConnectionsAlarm', 'renkei paused a connection after repeated failures (renkei connections <tenant>; docs/operations.md)', {
      namespace: 'renkei',
      metricName: 'paused_connections',
      statistic: 'Sum',
    });

    const rust = (logicalId: string, binary: string, memory: number, timeout: number, env: Record<string, string>) => {
      const fn = new RustFunction(this, logicalId, {
        ...rustBuild(binary),
        memorySize: memory,
        timeout: Duration.seconds(timeout),
        environment: {
          RENKEI_TABLE: table.tableName,
          RENKEI_BUS: bus.eventBusName,
          RENKEI_ALLOWED_VENDOR_HOSTS: allowedVendorHosts.valueAsString,
          AWS_LAMBDA_LOG_FORMAT: 'JSON',
          ...env,
        },
      });
      const cfn = fn.node.defaultChild as lambda.CfnFunction;
      cfn.overrideLogicalId(logicalId);
      // The binary cdk deploy builds, in the template as SAM's BuildProperties say it, so
      // tests/deployment.rs checks that cargo finds every one at the workspace root.
      cfn.addMetadata('renkei:Binary', binary);
      return fn;
    };
    const allow = (fn: lambda.Function, actions: string[], resources: string[]) =>
      fn.addToRolePolicy(new iam.PolicyStatement({ actions, resources }));
    const onFailure = (fn: lambda.Function, retries: number) => {
      new lambda.CfnEventInvokeConfig(this, `${fn.node.id}EventInvokeConfig`, {
        functionName: fn.functionName,
        qualifier: '$LATEST',
        maximumRetryAttempts: retries,
        destinationConfig: { onFailure: { destination: failed.queueArn } },
      });
      allow(fn, ['sqs:SendMessage'], [failed.queueArn]);
    };
    const secrets = (prefix: string) =>
      `arn:${Aws.PARTITION}:secretsmanager:${Aws.REGION}:${Aws.ACCOUNT_ID}:secret:renkei/${prefix}*`;
    // Each webhook endpoint's own signing secret: renkei-webhook/<vendor>/<tenant>/<connection>.
    const endpointSecrets = `arn:${Aws.PARTITION}:secretsmanager:${Aws.REGION}:${Aws.ACCOUNT_ID}:secret:renkei-webhook/*`;
    // The deployment's LinkedIn partner secret (Secrets Manager adds six characters).
    const partnerSecret = `arn:${Aws.PARTITION}:secretsmanager:${Aws.REGION}:${Aws.ACCOUNT_ID}:secret:${linkedinPartnerSecretName.valueAsString}-??????`;
    const sesIdentity = `arn:${Aws.PARTITION}:ses:${Aws.REGION}:${Aws.ACCOUNT_ID}:identity/${
      Fn.conditionIf(identityGiven.logicalId, mailIdentity.valueAsString, mailFrom.valueAsString).toString()}`;

    // The dispatcher: every minute, one SyncRequested per due connection.
    const dispatcher = rust('DispatcherFunction', 'dispatcher', 256, 60, {});
    new events.Rule(this, 'DispatcherEveryMinute', {
      schedule: events.Schedule.expression('cron(* * * * ? *)'),
      targets: [new targets.LambdaFunction(dispatcher)],
    });
    allow(dispatcher, ['dynamodb:Query'], [`${table.tableArn}/index/due`]);
    allow(dispatcher, ['dynamodb:PutItem'], [table.tableArn]);
    allow(dispatcher, ['events:PutEvents'], [bus.eventBusArn]);
    onFailure(dispatcher, 0);

    // One function per connector, fed by the bus rule on detail.connector.
    const connectorFunctions: [string, lambda.Function][] = [];
    for (const [logicalId, connector, timeout] of CONNECTORS) {
      const fn = rust(logicalId, connector, 256, timeout, { RENKEI_MAIL_FROM: mailFrom.valueAsString });
      new events.Rule(this, `${logicalId}SyncRequested`, {
        eventBus: bus,
        eventPattern: { source: ['renkei'], detailType: ['SyncRequested'], detail: { connector: [connector] } },
        targets: [new targets.LambdaFunction(fn, {
          retryAttempts: 2,
          maxEventAge: Duration.hours(1),
          deadLetterQueue: failed,
        })],
      });
      allow(fn, [
        'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:Query',
        'dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem',
        // TransactWriteItems is authorised per item: its Puts (PutItem) and ConditionCheck.
        'dynamodb:ConditionCheckItem',
      ], [table.tableArn]);
      allow(fn, ['secretsmanager:GetSecretValue'], [secrets(`${connector}/`)]);
      allow(fn, ['ses:SendEmail'], [sesIdentity]);
      allow(fn, ['events:PutEvents'], [bus.eventBusArn]);
      onFailure(fn, 1);
      connectorFunctions.push([connector, fn]);
    }
    // C5 alone reads the partner secret: a run provisions the customer's child application
    // and keeps its credentials in the connection's secret and the LinkedIn endpoint's.
    const c5 = connectorFunctions.find(([connector]) => connector === 'recruitee-linkedin')![1];
    c5.addEnvironment('RENKEI_LINKEDIN_PARTNER_SECRET', linkedinPartnerSecretName.valueAsString);
    allow(c5, ['secretsmanager:GetSecretValue'], [partnerSecret]);
    allow(c5, ['secretsmanager:PutSecretValue'], [secrets('recruitee-linkedin/')]);
    allow(c5, ['secretsmanager:CreateSecret', 'secretsmanager:PutSecretValue'],
      [`arn:${Aws.PARTITION}:secretsmanager:${Aws.REGION}:${Aws.ACCOUNT_ID}:secret:renkei-webhook/linkedin/*`]);

    // The key with which the webhooks function answers an address without a connection as
    // one with (a LinkedIn challenge's HMAC): generated once per stack, read by it only.
    const decoy = new secretsmanager.Secret(this, 'WebhookDecoyKey', {
      description: 'renkei webhooks - decoy key for addresses without a connection',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    (decoy.node.defaultChild as secretsmanager.CfnSecret).overrideLogicalId('WebhookDecoyKey');
    Validations.of(decoy).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SMG4',
      reason: 'A random key that only makes answers for missing webhook addresses unpredictable; nothing authenticates with it, so rotating it buys nothing.',
    });

    // P9: the webhook ingress behind a Function URL (the HMAC signature authenticates). It
    // reads the endpoints' own signing secrets (renkei-webhook/...), never a connection's.
    const webhooks = rust('WebhooksFunction', 'webhooks', 128, 30, {
      RENKEI_WEBHOOK_DECOY_KEY: decoy.secretArn,
    });
    (webhooks.node.defaultChild as lambda.CfnFunction).reservedConcurrentExecutions = Fn.conditionIf(
      webhooksConcurrencyGiven.logicalId, webhooksConcurrency.valueAsNumber, Aws.NO_VALUE,
    ) as unknown as number;
    const url = webhooks.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE });
    (url.node.defaultChild as lambda.CfnUrl).overrideLogicalId('WebhooksFunctionUrl');
    allow(webhooks, ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'], [table.tableArn]);
    allow(webhooks, ['secretsmanager:GetSecretValue'], [endpointSecrets, decoy.secretArn]);
    allow(webhooks, ['events:PutEvents'], [bus.eventBusArn]);

    // The admin API (docs/openapi.yaml): IAM by default, JWT when JwtIssuer is set.
    const admin = rust('AdminFunction', 'admin', 128, 29, {
      RENKEI_MAIL_FROM: mailFrom.valueAsString,
      // The pool the stack creates grants tenants by its groups, whatever TenantClaim says.
      RENKEI_TENANT_CLAIM: Fn.conditionIf(userPoolWanted.logicalId, 'cognito:groups', tenantClaim.valueAsString).toString(),
      RENKEI_SECRET_RECOVERY_DAYS: secretRecoveryDays.valueAsString,
    });
    allow(admin, [
      'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:Query',
      'dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem',
    ], [table.tableArn]);
    allow(admin, [
      'secretsmanager:CreateSecret', 'secretsmanager:PutSecretValue', 'secretsmanager:DeleteSecret', 'secretsmanager:RestoreSecret',
    ], [secrets(''), endpointSecrets]);
    // The LinkedIn routes call LinkedIn with the connection's credentials and answer with
    // what it says: read on the recruitee-linkedin secrets only (docs/security.md).
    allow(admin, ['secretsmanager:GetSecretValue'], [secrets('recruitee-linkedin/')]);
    // The LinkedIn partner secret is the deployment's: tenants' requests never reach it,
    // whatever renkei/* above would allow.
    admin.addToRolePolicy(new iam.PolicyStatement({
      effect: iam.Effect.DENY, actions: ['secretsmanager:*'], resources: [partnerSecret],
    }));
    allow(admin, ['events:PutEvents'], [bus.eventBusArn]);
    const api = new apigw.CfnApi(this, 'AdminApi', {
      name: `${Aws.STACK_NAME}-admin`, protocolType: 'HTTP', description: 'renkei admin API (docs/openapi.yaml)',
    });
    // The function believes a request context's authoriser only when it names this API and
    // stage (a direct invocation could claim to be an IAM operator). No cycle: the API
    // references nothing; the integration references the function.
    admin.addEnvironment('RENKEI_ADMIN_API_ID', api.ref);
    admin.addEnvironment('RENKEI_ADMIN_API_STAGE', '$default');
    // The console's own sign-in (CreateUserPool=true, no JwtIssuer): an invitation-only pool
    // (a tenant grant is a group, tenant:<id>, that only a pool administrator adds; the
    // operators are the renkei-operators group) with Cognito's hosted sign-in, and the
    // console as a public client using the authorization code with PKCE. docs/operations.md.
    const consoleUrl = `https://${api.ref}.execute-api.${Aws.REGION}.${Aws.URL_SUFFIX}/console`;
    const pool = new cognito.CfnUserPool(this, 'ConsoleUserPool', {
      userPoolName: `${Aws.STACK_NAME}-console`,
      usernameAttributes: ['email'],
      autoVerifiedAttributes: ['email'],
      adminCreateUserConfig: { allowAdminCreateUserOnly: true },
      // Every user sets up an authenticator app at the first sign-in (the hosted sign-in asks).
      mfaConfiguration: 'ON',
      enabledMfas: ['SOFTWARE_TOKEN_MFA'],
      policies: {
        passwordPolicy: {
          minimumLength: 12, requireLowercase: true, requireUppercase: true, requireNumbers: true,
          requireSymbols: true, temporaryPasswordValidityDays: 3,
        },
      },
      accountRecoverySetting: { recoveryMechanisms: [{ name: 'verified_email', priority: 1 }] },
    });
    pool.cfnOptions.condition = userPoolWanted;
    // Its users and their tenant groups outlive a change of CreateUserPool or the stack.
    pool.cfnOptions.deletionPolicy = CfnDeletionPolicy.RETAIN;
    pool.cfnOptions.updateReplacePolicy = CfnDeletionPolicy.RETAIN;
    Validations.of(pool).acknowledge(
      { id: 'AwsSolutions::AwsSolutions-COG3', reason: 'Threat protection is a paid Cognito feature tier; the pool is invitation-only (no self sign-up).' },
      { id: 'AwsSolutions::AwsSolutions-COG8', reason: 'The plus tier is a paid Cognito plan, a customer\'s choice; the pool is invitation-only (no self sign-up).' },
    );
    const domain = new cognito.CfnUserPoolDomain(this, 'ConsoleUserPoolDomain', {
      userPoolId: pool.ref,
      // Globally unique per region: the stack's own id.
      domain: Fn.join('-', ['renkei', Fn.select(2, Fn.split('/', Aws.STACK_ID))]),
    });
    domain.cfnOptions.condition = userPoolWanted;
    const client = new cognito.CfnUserPoolClient(this, 'ConsoleUserPoolClient', {
      userPoolId: pool.ref,
      clientName: 'renkei-console',
      generateSecret: false,
      allowedOAuthFlowsUserPoolClient: true,
      allowedOAuthFlows: ['code'],
      allowedOAuthScopes: ['openid', 'email'],
      supportedIdentityProviders: ['COGNITO'],
      callbackUrLs: [consoleUrl, `${consoleUrl}/`],
      logoutUrLs: [consoleUrl, `${consoleUrl}/`],
      explicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH'],
      preventUserExistenceErrors: 'ENABLED',
      idTokenValidity: 60,
      accessTokenValidity: 60,
      refreshTokenValidity: 1,
      tokenValidityUnits: { idToken: 'minutes', accessToken: 'minutes', refreshToken: 'days' },
    });
    client.cfnOptions.condition = userPoolWanted;
    const operators = new cognito.CfnUserPoolGroup(this, 'ConsoleOperatorsGroup', {
      userPoolId: pool.ref,
      groupName: 'renkei-operators',
      description: 'Operators of every tenant of this renkei stack (the console\'s operator view)',
    });
    operators.cfnOptions.condition = userPoolWanted;
    const hosted = `https://${domain.ref}.auth.${Aws.REGION}.amazoncognito.com`;
    const ifPool = (created: string, given: string) => Fn.conditionIf(userPoolWanted.logicalId, created, given).toString();
    // How the web console (/console) signs people in: the user pool's hosted sign-in, or
    // the given issuer's endpoints (none: the console says the API is IAM-only).
    admin.addEnvironment('RENKEI_CONSOLE_AUTHORIZE_URL', ifPool(`${hosted}/oauth2/authorize`, consoleAuthorizeUrl.valueAsString));
    admin.addEnvironment('RENKEI_CONSOLE_TOKEN_URL', ifPool(`${hosted}/oauth2/token`, consoleTokenUrl.valueAsString));
    admin.addEnvironment('RENKEI_CONSOLE_LOGOUT_URL', ifPool(`${hosted}/logout`, consoleLogoutUrl.valueAsString));
    admin.addEnvironment('RENKEI_CONSOLE_CLIENT_ID', ifPool(client.ref, jwtAudience.valueAsString));
    admin.addEnvironment('RENKEI_OPERATOR_GROUP', ifPool('renkei-operators', operatorGroup.valueAsString));
    const integration = new apigw.CfnIntegration(this, 'AdminIntegration', {
      apiId: api.ref, integrationType: 'AWS_PROXY', integrationUri: admin.functionArn, payloadFormatVersion: '2.0',
    });
    const authorizer = new apigw.CfnAuthorizer(this, 'AdminJwtAuthorizer', {
      apiId: api.ref, name: 'jwt', authorizerType: 'JWT', identitySource: ['$request.header.Authorization'],
      jwtConfiguration: {
        issuer: Fn.conditionIf(jwtGiven.logicalId, jwtIssuer.valueAsString, `https://cognito-idp.${Aws.REGION}.${Aws.URL_SUFFIX}/${pool.ref}`).toString(),
        audience: [Fn.conditionIf(jwtGiven.logicalId, jwtAudience.valueAsString, client.ref).toString()],
      },
    });
    authorizer.cfnOptions.condition = jwtAuthorised;
    const route = new apigw.CfnRoute(this, 'AdminRoute', {
      apiId: api.ref,
      routeKey: 'ANY /v1/{proxy+}',
      target: `integrations/${integration.ref}`,
      authorizationType: Fn.conditionIf(jwtAuthorised.logicalId, 'JWT', 'AWS_IAM').toString(),
      authorizerId: Fn.conditionIf(jwtAuthorised.logicalId, authorizer.ref, Aws.NO_VALUE).toString(),
    });
    Validations.of(route).acknowledge({
      id: 'AwsSolutions::AwsSolutions-APIG4',
      reason: 'The route is authorised by IAM or, with JwtIssuer or CreateUserPool, by JWT (a condition cdk-nag cannot evaluate); never NONE.',
    });
    // The web console's files (public: they hold no data; the app calls /v1 with the
    // signed-in user's token). renkei_admin::console serves them with a strict CSP.
    for (const [logicalId, routeKey] of [
      ['AdminConsoleRoute', 'GET /console/{proxy+}'],
      ['AdminConsoleIndexRoute', 'GET /console'],
    ]) {
      const open = new apigw.CfnRoute(this, logicalId, {
        apiId: api.ref, routeKey, target: `integrations/${integration.ref}`, authorizationType: 'NONE',
      });
      Validations.of(open).acknowledge({
        id: 'AwsSolutions::AwsSolutions-APIG4',
        reason: 'The console\'s static files: they hold no data, and everything the app shows comes from the /v1 routes with the signed-in user\'s token.',
      });
    }
    // The onboarding page of a recruitee-linkedin connection and its "Notify partner":
    // public, reached through an expiring, signed link (the token is the authority).
    for (const [logicalId, routeKey] of [
      ['AdminOnboardingRoute', 'GET /onboarding/linkedin/{token}'],
      ['AdminOnboardingNotifyRoute', 'POST /onboarding/linkedin/{token}/notify'],
    ]) {
      const open = new apigw.CfnRoute(this, logicalId, {
        apiId: api.ref, routeKey, target: `integrations/${integration.ref}`, authorizationType: 'NONE',
      });
      Validations.of(open).acknowledge({
        id: 'AwsSolutions::AwsSolutions-APIG4',
        reason: 'A customer\'s LinkedIn admin opens this page from a link; the link\'s HMAC-signed, expiring token (one connection) is the authorization.',
      });
    }
    const stage = new apigw.CfnStage(this, 'AdminStage', {
      apiId: api.ref, stageName: '$default', autoDeploy: true,
      defaultRouteSettings: { throttlingBurstLimit: 50, throttlingRateLimit: 20 },
    });
    Validations.of(stage).acknowledge({
      id: 'AwsSolutions::AwsSolutions-APIG1', reason: 'Every call is logged by the admin function itself (JSON logs, request id); the stage adds no information.',
    });
    new lambda.CfnPermission(this, 'AdminInvokePermission', {
      action: 'lambda:InvokeFunction',
      functionName: admin.functionName,
      principal: 'apigateway.amazonaws.com',
      sourceArn: `arn:${Aws.PARTITION}:execute-api:${Aws.REGION}:${Aws.ACCOUNT_ID}:${api.ref}/*/*/v1/*`,
    });
    new lambda.CfnPermission(this, 'AdminConsoleInvokePermission', {
      action: 'lambda:InvokeFunction',
      functionName: admin.functionName,
      principal: 'apigateway.amazonaws.com',
      sourceArn: `arn:${Aws.PARTITION}:execute-api:${Aws.REGION}:${Aws.ACCOUNT_ID}:${api.ref}/*/GET/console*`,
    });
    new lambda.CfnPermission(this, 'AdminOnboardingInvokePermission', {
      action: 'lambda:InvokeFunction',
      functionName: admin.functionName,
      principal: 'apigateway.amazonaws.com',
      sourceArn: `arn:${Aws.PARTITION}:execute-api:${Aws.REGION}:${Aws.ACCOUNT_ID}:${api.ref}/*/*/onboarding/*`,
    });

    new RenkeiDashboard(this, 'Dashboard', connectorFunctions);


    Validations.of(this).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'CloudWatch Logs only: the execution role SAM gives every function too.',
    });
    for (const prefix of ['', ...CONNECTORS.map(([, connector]) => `${connector}/`)]) {
      Validations.of(this).acknowledge({
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:renkei/${prefix}*]`,
        reason: 'Secrets are named renkei/<connector>/<tenant>/<connection>, one per connection: a connector function reads its own connector\'s prefix only; the admin function writes (never reads) them all.',
      });
    }
    Validations.of(this).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:renkei-webhook/linkedin/*]',
      reason: 'The recruitee-linkedin function writes the LinkedIn endpoint\'s signing secret of each connection when its run provisions the child application.',
    });
    Validations.of(this).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Action::secretsmanager:*]',
      reason: 'A Deny: the admin function may do nothing at all with the LinkedIn partner secret.',
    });
    Validations.of(this).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:renkei-webhook/*]',
      reason: 'One signing secret per webhook endpoint, renkei-webhook/<vendor>/<tenant>/<connection>: the webhooks function reads them (and no connection secret), the admin function writes (never reads) them.',
    });

    new CfnOutput(this, 'WebhooksUrl', {
      description: 'Base URL vendors call; append webhooks/{vendor}/{tenant}/{connection}', value: url.url,
    });
    new CfnOutput(this, 'AdminApiUrl', {
      description: 'The admin API (docs/openapi.yaml); IAM-signed requests unless JwtIssuer is set or CreateUserPool=true',
      value: `https://${api.ref}.execute-api.${Aws.REGION}.${Aws.URL_SUFFIX}`,
    });
    new CfnOutput(this, 'ConsoleUrl', {
      description: 'The web console (signs in with the user pool or JwtIssuer; says so when the API is IAM-only)',
      value: consoleUrl,
    });
    new CfnOutput(this, 'ConsoleUserPoolId', {
      description: 'The console\'s user pool (add users and their tenant:<id> or renkei-operators groups here)',
      value: pool.ref,
      condition: userPoolWanted,
    });
    new CfnOutput(this, 'TableName', { value: table.tableName });
    new CfnOutput(this, 'BusName', { value: bus.eventBusName });
    new CfnOutput(this, 'FailedInvocationsQueue', { value: failed.queueUrl });
  }
}

/** Per connector: runs and failed runs, records written/rejected, duration, the function's
 *  errors and throttles — from the EMF metrics every run prints (namespace renkei). */
class RenkeiDashboard extends Construct {
  constructor(scope: Construct, id: string, functions: [string, lambda.Function][]) {
    super(scope, id);
    const m = (name: string, connector: string, statistic: string, label: string) =>
      new cloudwatch.Metric({
        namespace: 'renkei', metricName: name, dimensionsMap: { connector }, statistic, label, period: Duration.minutes(5),
      });
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `${Stack.of(this).stackName}-connectors`,
    });
    (dashboard.node.defaultChild as cloudwatch.CfnDashboard).overrideLogicalId('ConnectorsDashboard');
    for (const [connector, fn] of functions) {
      dashboard.addWidgets(
        new cloudwatch.GraphWidget({
          title: `${connector}: runs`, width: 6,
          left: [m('duration_ms', connector, 'SampleCount', 'runs'), m('failed_runs', connector, 'Sum', 'failed')],
        }),
        new cloudwatch.GraphWidget({
          title: `${connector}: records`, width: 6,
          left: ['created', 'updated', 'rejected'].map((n) => m(n, connector, 'Sum', n)),
        }),
        new cloudwatch.GraphWidget({
          title: `${connector}: duration`, width: 6,
          left: [m('duration_ms', connector, 'p50', 'p50'), m('duration_ms', connector, 'Maximum', 'max')],
        }),
        new cloudwatch.GraphWidget({
          title: `${connector}: errors and throttles`, width: 6,
          left: [fn.metricErrors({ label: 'errors' }), fn.metricThrottles({ label: 'throttles' })],
        }),
      );
    }
  }
}
