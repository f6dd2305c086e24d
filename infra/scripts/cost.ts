/*
 * The monthly bill of the synthesised stacks: counts what the templates
 * create (task size and count, public IPs, the database class and storage,
 * caches, alarms, secrets, …), multiplies by the dated price table
 * pricing/us-east-1.json and by a stated traffic model, and prints it line by
 * line for (a) the brief's traffic with the resting task count and (b) the
 * autoscaling maximum held all month.
 *
 *   npm run cost            (root or infra; synthesises into infra/cdk.out when missing)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const INFRA = join(dirname(fileURLToPath(import.meta.url)), '..');
export const CDK_OUT = join(INFRA, 'cdk.out');
export const PRICE_FILE = join(INFRA, 'pricing', 'us-east-1.json');

interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
}
export type Templates = Record<string, { Resources: Record<string, CfnResource> }>;

export interface Price {
  price: number;
  unit: string;
  source: string;
}
export interface PriceTable {
  region: string;
  asOf: string;
  hoursPerMonth: number;
  prices: Record<string, Price>;
  freeTier: Record<string, number | string>;
}

/**
 * The traffic model: the brief's 3,000 visits a day and 10,000 on the peak
 * day, as a month of 29 ordinary days and one peak day. The rest are stated
 * assumptions about a storefront whose catalogue is static and cached.
 */
export const TRAFFIC = {
  visitsPerDay: 3_000,
  peakDayVisits: 10_000,
  daysPerMonth: 30,
  /** Page views per visit; this share of them are session pages (cart, checkout, account…) rendered by the origin. */
  pagesPerVisit: 5,
  sessionPageShare: 0.15,
  /** Compressed HTML per page. */
  htmlKb: 30,
  /** CSS/JS/font requests per visit: the first page loads them, later pages hit the browser cache. */
  assetRequestsPerVisit: 12,
  assetKb: 25,
  /** Product images per page (WebP variants). */
  imagesPerPage: 6,
  imageKb: 60,
  /** Search index chunks fetched per visit. */
  searchRequestsPerVisit: 2,
  searchKb: 20,
  /** API calls per visit (availability islands, cart, favourites, csrf…). */
  apiCallsPerVisit: 8,
  apiKb: 4,
  /** CloudFront hit ratios: HTML lives 60 s, assets a year, media a day. */
  hitRatio: { html: 0.9, assets: 0.98, media: 0.95, search: 0.9 },
  /** ElastiCache ECPUs per origin request (a GET of ≤ 1 KB is one; L1 absorbs most reads). */
  ecpuPerOriginRequest: 4,
  /** KeyValueStore reads per function invocation (flags, plus a key on gated paths). */
  kvsReadsPerInvocation: 1.3,
  /** Log bytes per origin request (one JSON line), plus health checks and startup. */
  logBytesPerOriginRequest: 600,
  flowLogGbPerMonth: 0.3,
  rdsLogGbPerMonth: 0.1,
  /** Error-page function: runs on static cache misses only. */
  edgeLambdaMs: 20,
  /** Stored data. */
  mediaGb: 2,
  siteGb: 0.2,
  cloudfrontLogBytesPerRequest: 250,
  imagesInRegistry: 10,
  imageGb: 0.3,
  /** Deploys per month and objects each uploads (a full static build). */
  deploysPerMonth: 30,
  objectsPerDeploy: 1_500,
  /** Data cached in Valkey (below the 0.1 GB minimum that is billed anyway). */
  valkeyDataGb: 0.05,
  /** Average new connections per second CloudFront opens to the ALB (keep-alive reuses most). */
  albNewConnectionsPerSecond: 0.5,
  /** Share of ALB → task and task → database bytes that cross AZs. */
  crossAzShare: 0.5,
} as const;

/** What the templates create, as the bill needs it. */
export interface Inventory {
  task: { vcpu: number; memoryGb: number; publicIp: boolean };
  desiredTasks: number;
  maxTasks: number;
  natGateways: number;
  interfaceEndpointAzs: number;
  albs: number;
  databases: { instanceClass: string; storageGb: number; multiAz: boolean }[];
  valkeyCaches: number;
  distributions: number;
  viewerRequestFunctions: number;
  keyValueStores: number;
  vpcOrigins: number;
  edgeLambdas: { memoryMb: number }[];
  buckets: number;
  repositories: number;
  logGroups: number;
  alarmMetrics: number;
  dashboards: number;
  secrets: number;
  stateMachines: number;
}

/** The templates of a cloud assembly directory, by stack name. */
export function readTemplates(dir: string): Templates {
  const templates: Templates = {};
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.template.json')))
    templates[file.replace('.template.json', '')] = JSON.parse(
      readFileSync(join(dir, file), 'utf8'),
    );
  if (Object.keys(templates).length === 0) throw new Error(`no templates in ${dir}`);
  return templates;
}

const num = (v: unknown, what: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n))
    throw new Error(`${what} is not a number in the template: ${JSON.stringify(v)}`);
  return n;
};

/** Counts the billable resources of the templates. */
export function inventory(templates: Templates): Inventory {
  const all = Object.values(templates).flatMap((t) => Object.values(t.Resources));
  const ofType = (type: string) => all.filter((r) => r.Type === type);
  const one = (type: string) => {
    const found = ofType(type);
    if (found.length !== 1)
      throw new Error(`the cost model expects one ${type}, found ${found.length}`);
    return found[0] as CfnResource;
  };

  const taskDef = one('AWS::ECS::TaskDefinition').Properties ?? {};
  const service = one('AWS::ECS::Service').Properties ?? {};
  const scaling = one('AWS::ApplicationAutoScaling::ScalableTarget').Properties ?? {};
  const awsvpc = (
    service.NetworkConfiguration as { AwsvpcConfiguration?: { AssignPublicIp?: string } }
  )?.AwsvpcConfiguration;

  const interfaceEndpointAzs = ofType('AWS::EC2::VPCEndpoint')
    .filter((e) => e.Properties?.VpcEndpointType === 'Interface')
    .reduce((n, e) => n + ((e.Properties?.SubnetIds as unknown[]) ?? []).length, 0);

  let alarmMetrics = 0;
  for (const alarm of ofType('AWS::CloudWatch::Alarm')) {
    const metrics = alarm.Properties?.Metrics as { MetricStat?: unknown }[] | undefined;
    alarmMetrics += metrics ? metrics.filter((m) => m.MetricStat).length : 1;
  }

  const secrets =
    ofType('AWS::SecretsManager::Secret').length +
    ofType('AWS::RDS::DBInstance').filter((d) => d.Properties?.ManageMasterUserPassword === true)
      .length;

  return {
    task: {
      vcpu: num(taskDef.Cpu, 'task CPU') / 1024,
      memoryGb: num(taskDef.Memory, 'task memory') / 1024,
      publicIp: awsvpc?.AssignPublicIp === 'ENABLED',
    },
    desiredTasks: num(service.DesiredCount, 'desired count'),
    maxTasks: num(scaling.MaxCapacity, 'autoscaling maximum'),
    natGateways: ofType('AWS::EC2::NatGateway').length,
    interfaceEndpointAzs,
    albs: ofType('AWS::ElasticLoadBalancingV2::LoadBalancer').length,
    databases: ofType('AWS::RDS::DBInstance').map((d) => ({
      instanceClass: String(d.Properties?.DBInstanceClass),
      storageGb: num(d.Properties?.AllocatedStorage, 'allocated storage'),
      multiAz: d.Properties?.MultiAZ === true,
    })),
    valkeyCaches: ofType('AWS::ElastiCache::ServerlessCache').filter(
      (c) => c.Properties?.Engine === 'valkey',
    ).length,
    distributions: ofType('AWS::CloudFront::Distribution').length,
    viewerRequestFunctions: ofType('AWS::CloudFront::Function').length,
    keyValueStores: ofType('AWS::CloudFront::KeyValueStore').length,
    vpcOrigins: ofType('AWS::CloudFront::VpcOrigin').length,
    edgeLambdas: ofType('AWS::Lambda::Function')
      .filter(
        (f) =>
          JSON.stringify(f.Properties?.Code ?? '').includes('exports.handler') &&
          JSON.stringify(f.Properties?.Code ?? '').includes('MAPPINGS'),
      )
      .map((f) => ({ memoryMb: num(f.Properties?.MemorySize ?? 128, 'Lambda memory') })),
    buckets: ofType('AWS::S3::Bucket').length,
    repositories: ofType('AWS::ECR::Repository').length,
    logGroups: ofType('AWS::Logs::LogGroup').length,
    alarmMetrics,
    dashboards: ofType('AWS::CloudWatch::Dashboard').length,
    secrets,
    stateMachines: ofType('AWS::StepFunctions::StateMachine').length,
  };
}

export interface Line {
  item: string;
  quantity: number;
  unit: string;
  /** Free-tier quantity deducted before pricing. */
  free: number;
  unitPrice: number;
  monthly: number;
}

/** Monthly traffic volumes derived from TRAFFIC. */
export function volumes(t: typeof TRAFFIC = TRAFFIC) {
  const visits = (t.daysPerMonth - 1) * t.visitsPerDay + t.peakDayVisits;
  const pages = visits * t.pagesPerVisit;
  const sessionPages = pages * t.sessionPageShare;
  const staticPages = pages - sessionPages;
  const assets = visits * t.assetRequestsPerVisit;
  const images = pages * t.imagesPerPage;
  const search = visits * t.searchRequestsPerVisit;
  const api = visits * t.apiCallsPerVisit;
  const requests = pages + assets + images + search + api;
  const kb =
    pages * t.htmlKb +
    assets * t.assetKb +
    images * t.imageKb +
    search * t.searchKb +
    api * t.apiKb;
  const originRequests = api + sessionPages;
  const originGb = (api * t.apiKb + sessionPages * t.htmlKb) / 1024 ** 2;
  const staticMisses =
    staticPages * (1 - t.hitRatio.html) +
    assets * (1 - t.hitRatio.assets) +
    search * (1 - t.hitRatio.search);
  const mediaMisses = images * (1 - t.hitRatio.media);
  // The viewer-request function runs on the API, the session pages and the default (catalogue) behaviour.
  const functionInvocations = api + pages + search;
  return {
    visits,
    requests,
    dataOutGb: kb / 1024 ** 2,
    originRequests,
    originGb,
    staticMisses,
    mediaMisses,
    functionInvocations,
  };
}

/** The bill for one month with `tasks` origin tasks running all month. */
export function bill(
  inv: Inventory,
  table: PriceTable,
  tasks: number,
  t: typeof TRAFFIC = TRAFFIC,
): Line[] {
  const p = (key: string): number => {
    const price = table.prices[key];
    if (!price) throw new Error(`no price ${key} in the price table`);
    return price.price;
  };
  const free = (key: string): number => Number(table.freeTier[key] ?? 0);
  const h = table.hoursPerMonth;
  const v = volumes(t);
  const lines: Line[] = [];
  const add = (item: string, quantity: number, unit: string, unitPrice: number, freeQty = 0) =>
    lines.push({
      item,
      quantity,
      unit,
      free: Math.min(freeQty, quantity),
      unitPrice,
      monthly: Math.max(0, quantity - freeQty) * unitPrice,
    });

  add(
    `Fargate ARM vCPU (${tasks} × ${inv.task.vcpu} vCPU)`,
    tasks * inv.task.vcpu * h,
    'vCPU-h',
    p('fargateArmVcpuHour'),
  );
  add(
    `Fargate ARM memory (${tasks} × ${inv.task.memoryGb} GB)`,
    tasks * inv.task.memoryGb * h,
    'GB-h',
    p('fargateArmGbHour'),
  );
  add(
    'Public IPv4 addresses (one per task)',
    (inv.task.publicIp ? tasks : 0) * h,
    'IP-h',
    p('publicIpv4Hour'),
  );
  add('NAT gateways', inv.natGateways * h, 'gateway-h', p('natGatewayHour'));
  add(
    'Interface VPC endpoints',
    inv.interfaceEndpointAzs * h,
    'endpoint-AZ-h',
    p('interfaceEndpointHour'),
  );

  add('ALB', inv.albs * h, 'ALB-h', p('albHour'));
  const seconds = h * 3600;
  const lcu = Math.max(
    t.albNewConnectionsPerSecond / 25,
    v.originRequests / seconds / 1000, // rule evaluations (a few rules, under the free 10)
    v.originGb / h, // processed GB per hour
  );
  add('ALB capacity units (average)', lcu * h * inv.albs, 'LCU-h', p('albLcuHour'));

  for (const db of inv.databases) {
    if (db.instanceClass !== 'db.t4g.micro')
      throw new Error(`no price for ${db.instanceClass}; add it to the price table`);
    add(
      `RDS PostgreSQL ${db.instanceClass}${db.multiAz ? ' Multi-AZ' : ''}`,
      h * (db.multiAz ? 2 : 1),
      'instance-h',
      p('rdsPostgresT4gMicroHour'),
    );
    add('RDS gp3 storage', db.storageGb * (db.multiAz ? 2 : 1), 'GB-month', p('rdsGp3GbMonth'));
    add('RDS backups (within the free 100% of storage)', 0, 'GB-month', p('rdsBackupGbMonth'));
  }

  add(
    'ElastiCache Serverless Valkey storage (0.1 GB minimum)',
    inv.valkeyCaches * Math.max(0.1, t.valkeyDataGb) * h,
    'GB-h',
    p('valkeyServerlessGbHour'),
  );
  add(
    'ElastiCache Serverless Valkey ECPUs',
    (inv.valkeyCaches * v.originRequests * t.ecpuPerOriginRequest) / 1e6,
    'million ECPU',
    p('valkeyServerlessMillionEcpu'),
  );

  add(
    'CloudFront HTTPS requests',
    v.requests / 1e4,
    '10k requests',
    p('cloudfrontHttpsTenThousand'),
    free('cloudfrontRequests') / 1e4,
  );
  add(
    'CloudFront data out',
    v.dataOutGb,
    'GB',
    p('cloudfrontDataOutGb'),
    free('cloudfrontDataOutGb'),
  );
  add(
    'CloudFront Functions (viewer request)',
    (inv.viewerRequestFunctions > 0 ? v.functionInvocations : 0) / 1e6,
    'million',
    p('cloudfrontFunctionsMillion'),
    free('cloudfrontFunctionInvocations') / 1e6,
  );
  add(
    'CloudFront KeyValueStore reads',
    (inv.keyValueStores > 0 ? v.functionInvocations * t.kvsReadsPerInvocation : 0) / 1e6,
    'million',
    p('cloudfrontKvsReadsMillion'),
  );
  add('CloudFront VPC origin', inv.vpcOrigins, 'origin', p('cloudfrontVpcOrigin'));
  const edgeInvocations = inv.edgeLambdas.length > 0 ? v.staticMisses : 0;
  const edgeMemoryGb = (inv.edgeLambdas[0]?.memoryMb ?? 128) / 1024;
  add(
    'Lambda@Edge error pages (static misses)',
    edgeInvocations / 1e6,
    'million',
    p('lambdaEdgeMillionRequests'),
  );
  add(
    'Lambda@Edge duration',
    edgeInvocations * (t.edgeLambdaMs / 1000) * edgeMemoryGb,
    'GB-s',
    p('lambdaEdgeGbSecond'),
  );

  const cloudfrontLogGb = (v.requests * t.cloudfrontLogBytesPerRequest) / 1024 ** 3;
  add(
    `S3 storage (${inv.buckets} buckets: site, media, logs)`,
    t.siteGb + t.mediaGb + cloudfrontLogGb * 3,
    'GB-month',
    p('s3StandardGbMonth'),
  );
  add(
    'S3 PUT (deploys, uploads, log delivery)',
    (t.deploysPerMonth * t.objectsPerDeploy + 20_000) / 1000,
    '1k requests',
    p('s3PutThousand'),
  );
  add(
    'S3 GET (CloudFront misses)',
    (v.staticMisses + v.mediaMisses) / 1000,
    '1k requests',
    p('s3GetThousand'),
  );
  add(
    'ECR storage',
    inv.repositories * t.imagesInRegistry * t.imageGb,
    'GB-month',
    p('ecrGbMonth'),
  );

  const appLogGb = (v.originRequests * t.logBytesPerOriginRequest * 1.1) / 1024 ** 3;
  const logGb = appLogGb + t.flowLogGbPerMonth + t.rdsLogGbPerMonth;
  add(
    `CloudWatch Logs ingestion (${inv.logGroups} groups)`,
    logGb,
    'GB',
    p('logsIngestGb'),
    free('cloudwatchLogsGb'),
  );
  add('CloudWatch Logs storage (30-day retention)', logGb, 'GB-month', p('logsStorageGbMonth'));
  add(
    'CloudWatch alarm metrics',
    inv.alarmMetrics,
    'metric-month',
    p('alarmMetricMonth'),
    free('cloudwatchAlarmMetrics'),
  );
  add(
    'CloudWatch dashboards',
    inv.dashboards,
    'dashboard',
    p('dashboardMonth'),
    free('cloudwatchDashboards'),
  );
  add('Secrets Manager secrets', inv.secrets, 'secret-month', p('secretMonth'));
  add(
    'Secrets Manager API calls (task starts)',
    (tasks * 30 * inv.secrets) / 1e4,
    '10k calls',
    p('secretsTenThousandCalls'),
  );
  add(
    'Step Functions (redeploy on rotation)',
    inv.stateMachines * 5 * 2,
    'transitions',
    p('stepFunctionsThousandTransitions') / 1000,
    free('stepFunctionsTransitions'),
  );
  add(
    'Cross-AZ traffic (ALB → tasks → database)',
    v.originGb * 2 * t.crossAzShare,
    'GB',
    p('crossAzGb'),
  );
  return lines;
}

export const total = (lines: readonly Line[]) => lines.reduce((s, l) => s + l.monthly, 0);

const money = (n: number) => `$${n.toFixed(2)}`;
const qty = (n: number) =>
  n >= 100 ? Math.round(n).toLocaleString('en-US') : n >= 1 ? n.toFixed(2) : n.toPrecision(2);

/** A printable table of one scenario. */
export function format(title: string, lines: readonly Line[]): string {
  const rows = lines.map((l) => [
    l.item,
    `${qty(l.quantity)} ${l.unit}${l.free > 0 ? ` (${qty(l.free)} free)` : ''}`,
    `$${l.unitPrice < 0.01 ? l.unitPrice.toPrecision(3) : l.unitPrice.toFixed(4)}`,
    money(l.monthly),
  ]);
  const head = ['resource', 'quantity', 'unit price', 'monthly'];
  const widths = head.map((h, i) =>
    Math.max(h.length, ...rows.map((r) => (r[i] as string).length)),
  );
  const fmt = (r: string[]) =>
    r
      .map((c, i) => (i >= 2 ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number)))
      .join('  ');
  return [
    title,
    fmt(head),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.map(fmt),
    `${'total'.padEnd((widths[0] as number) + (widths[1] as number) + (widths[2] as number) + 4)}  ${money(total(lines)).padStart(widths[3] as number)}`,
  ].join('\n');
}

export function readPrices(file = PRICE_FILE): PriceTable {
  return JSON.parse(readFileSync(file, 'utf8')) as PriceTable;
}

/** Synthesises into infra/cdk.out when it holds no templates yet. */
export function ensureSynthesised(dir = CDK_OUT): void {
  if (existsSync(dir) && readdirSync(dir).some((f) => f.endsWith('.template.json'))) return;
  const run = spawnSync(process.execPath, [join(INFRA, 'bin', 'vitrine.ts')], {
    cwd: INFRA,
    env: { ...process.env, CDK_OUTDIR: dir },
    stdio: 'inherit',
  });
  if (run.status !== 0) throw new Error('synthesis failed');
}

export function report(
  dir = CDK_OUT,
  table = readPrices(),
): { text: string; brief: number; max: number } {
  const inv = inventory(readTemplates(dir));
  const v = volumes();
  const a = bill(inv, table, inv.desiredTasks);
  const b = bill(inv, table, inv.maxTasks);
  const text = [
    `Vitrine monthly cost, ${table.region}, on-demand prices as of ${table.asOf} (pricing/${table.region}.json)`,
    `Traffic: ${v.visits.toLocaleString('en-US')} visits/month (${TRAFFIC.visitsPerDay}/day, one ${TRAFFIC.peakDayVisits}-visit peak day), ` +
      `${Math.round(v.requests).toLocaleString('en-US')} CloudFront requests, ${v.dataOutGb.toFixed(0)} GB out, ` +
      `${Math.round(v.originRequests).toLocaleString('en-US')} origin requests. Always-free tiers applied.`,
    '',
    format(`(a) the brief's traffic, ${inv.desiredTasks} origin tasks`, a),
    '',
    format(`(b) the autoscaling maximum, ${inv.maxTasks} origin tasks all month`, b),
  ].join('\n');
  return { text, brief: total(a), max: total(b) };
}

if (import.meta.main) {
  ensureSynthesised();
  console.log(report().text);
}
