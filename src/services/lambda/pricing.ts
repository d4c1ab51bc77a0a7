/**
 * The AWS Lambda price table Selfless estimates bills with, in one place. Figures are AWS's public
 * on-demand prices for us-east-1 (USD), first pricing tier, free tier not deducted: a team sees
 * what the same load would cost on AWS, not what it would pay after credits.
 */

/** USD prices of one architecture. */
export interface ArchitecturePrices {
  /** Per GB-second of billed duration (memory in GB × billed seconds). */
  perGbSecond: number;
  /** Per GB-second of provisioned concurrency kept (configured memory × environments × seconds). */
  provisionedPerGbSecond: number;
  /** Per GB-second of billed duration of invocations served by provisioned environments. */
  provisionedDurationPerGbSecond: number;
}

/** The price table. */
export interface LambdaPriceTable {
  /** Where the figures come from and when they were read. */
  source: string;
  currency: 'USD';
  /** Per request (AWS lists $0.20 per 1M requests). */
  perRequest: number;
  architectures: Record<'x86_64' | 'arm64', ArchitecturePrices>;
}

/** AWS Lambda us-east-1 on-demand prices (first tier). */
export const LAMBDA_PRICES: LambdaPriceTable = {
  source: 'aws.amazon.com/lambda/pricing, us-east-1, on-demand, first tier',
  currency: 'USD',
  perRequest: 0.2 / 1_000_000,
  architectures: {
    x86_64: {
      perGbSecond: 0.0000166667,
      provisionedPerGbSecond: 0.0000041667,
      provisionedDurationPerGbSecond: 0.0000097222,
    },
    arm64: {
      perGbSecond: 0.0000133334,
      provisionedPerGbSecond: 0.0000033334,
      provisionedDurationPerGbSecond: 0.0000077778,
    },
  },
};

/** One invocation as billed: configured memory and billed duration. */
export interface BilledInvocation {
  memorySizeMb: number;
  billedDurationMs: number;
  architecture: 'x86_64' | 'arm64';
  /** Served by a provisioned environment: its duration is billed at the provisioned rate. */
  provisioned?: boolean;
}

/** Provisioned concurrency kept for a while: environments × configured memory × seconds. */
export interface ProvisionedSpan {
  environments: number;
  memorySizeMb: number;
  architecture: 'x86_64' | 'arm64';
  seconds: number;
}

/** An estimated bill. */
export interface CostEstimate {
  currency: 'USD';
  requests: number;
  /** GB-seconds of billed duration (on-demand and provisioned environments). */
  gbSeconds: number;
  requestCost: number;
  /** Duration cost (each invocation at its rate). */
  computeCost: number;
  /** GB-seconds of provisioned concurrency kept in the period. */
  provisionedGbSeconds: number;
  provisionedCost: number;
  total: number;
}

/** GB-seconds of one invocation: memory in GB (MB / 1024) times billed seconds. */
export function gbSeconds(i: Pick<BilledInvocation, 'memorySizeMb' | 'billedDurationMs'>): number {
  return (i.memorySizeMb / 1024) * (i.billedDurationMs / 1000);
}

/** The estimated AWS bill of a set of invocations (and provisioned concurrency kept) under a price table. */
export function estimateCost(
  invocations: Iterable<BilledInvocation>,
  prices: LambdaPriceTable = LAMBDA_PRICES,
  provisioned: Iterable<ProvisionedSpan> = [],
): CostEstimate {
  let requests = 0;
  let totalGbSeconds = 0;
  let computeCost = 0;
  for (const i of invocations) {
    requests++;
    const g = gbSeconds(i);
    totalGbSeconds += g;
    const p = prices.architectures[i.architecture];
    computeCost += g * (i.provisioned ? p.provisionedDurationPerGbSecond : p.perGbSecond);
  }
  let provisionedGbSeconds = 0;
  let provisionedCost = 0;
  for (const span of provisioned) {
    const g = span.environments * (span.memorySizeMb / 1024) * span.seconds;
    provisionedGbSeconds += g;
    provisionedCost += g * prices.architectures[span.architecture].provisionedPerGbSecond;
  }
  const requestCost = requests * prices.perRequest;
  return {
    currency: prices.currency,
    requests,
    gbSeconds: totalGbSeconds,
    requestCost,
    computeCost,
    provisionedGbSeconds,
    provisionedCost,
    total: requestCost + computeCost + provisionedCost,
  };
}

/** Formats USD amounts the way a bill shows small sums: cents, or more digits below a cent. */
export function formatUsd(amount: number): string {
  if (amount === 0) return '$0.00';
  if (amount >= 0.01) return `$${amount.toFixed(2)}`;
  // Below a cent: enough decimals for three significant digits, without exponent notation.
  const decimals = Math.min(12, 2 - Math.floor(Math.log10(amount)));
  return `$${amount.toFixed(decimals).replace(/0+$/, '')}`;
}
