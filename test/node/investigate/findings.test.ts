// The findings queue's fast path (dl_queue numbered once per analysis, filters returning row numbers) gives exactly the
// rows and order of the reference query (queryFindings over the findings table) for every filter and sort, search text
// with LIKE metacharacters included; and the facets describe the findings.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DuckEngine } from '../../../src/engine/duck-engine';
import { prepareQueue, queryFindings, queueOrder, type FindingFilter, type QueueData } from '../../../src/investigate/findings';
import { AS_OF, DAY, daily, findings, identity, workspace } from '../detections/harness';

const A = 'arn:aws:iam::111122223333:user/alpha_100%';
const B = 'arn:aws:iam::111122223333:user/beta';
const C = 'arn:aws:iam::111122223333:role/gamma';

describe('findings queue queries', () => {
  let engine: DuckEngine;
  let queue: QueueData;
  beforeAll(async () => {
    engine = await workspace({
      identities: [
        identity({ identity_key: A, name: 'alpha_100%', owner: 'alice@example.com', environment: 'prod', criticality: 'critical' }),
        identity({ identity_key: B, name: 'beta', owner: 'bob@example.com', environment: 'dev', permissions: ['s3:*'] }),
        identity({ identity_key: C, name: 'gamma', environment: 'prod' }),
      ],
      events: [
        ...daily(A, { daysBack: [30, 0] }),
        ...daily(B, { daysBack: [30, 0] }),
        ...daily(C, { daysBack: [20, 0] }),
        ...daily(A, { daysBack: [3, 1], hour: 4, over: { action: 'iam:CreateAccessKey' } }),
        ...daily(A, { daysBack: [2, 1], hour: 5, over: { action: 'kms:Decrypt' } }),
        ...daily(B, { daysBack: [5, 1], hour: 6, over: { action: 'sqs:SendMessage' } }),
        ...daily(C, { daysBack: [6, 2], hour: 3, over: { action: 'ec2:RunInstances', source_ip: '198.51.100.7' } }),
      ],
    });
    await findings(engine);
    queue = await prepareQueue(engine);
  }, 60_000);
  afterAll(() => engine.close());

  const day = (daysAgo: number) => new Date(AS_OF - daysAgo * DAY).toISOString().slice(0, 10);
  const filters: FindingFilter[] = [
    {},
    { status: 'open' },
    { severity: 'medium' },
    { owner: 'bob@example.com' },
    { environment: 'prod', sort: 'identity' },
    { detection: 'behavior.new_action', sort: 'last_seen' },
    { text: 'KMS' },
    { text: '_100%' },
    { text: '%' },
    { text: "o'brien\\" },
    { from: day(3) },
    { to: day(4), sort: 'severity' },
    { from: day(6), to: day(2), sort: 'detection' },
  ];

  it.each(filters.map((f) => [JSON.stringify(f), f] as const))('%s: the same rows in the same order as the findings table gives', async (_name, filter) => {
    const reference = await queryFindings(engine, filter);
    const order = await queueOrder(engine, filter);
    expect([...order].map((qid) => queue.rows[qid])).toEqual(reference);
  });

  it('has findings to compare, and facets that describe them', async () => {
    expect(queue.rows.length).toBeGreaterThan(5);
    expect((await queueOrder(engine, { text: '_100%' })).length).toBeGreaterThan(0);
    expect((await queueOrder(engine, { text: 'x%' })).length).toBe(0);
    const distinct = (values: (string | null)[]) => [...new Set(values.filter((v): v is string => v !== null))].sort();
    expect(queue.facets.owners).toEqual(distinct(queue.rows.map((r) => r.owner)));
    expect(queue.facets.owners).toEqual(expect.arrayContaining(['alice@example.com', 'bob@example.com']));
    expect(queue.facets.environments).toEqual(['dev', 'prod']);
    expect(queue.facets.detections).toEqual([...new Set(queue.rows.map((r) => r.detection_id))].sort());
    const order = ['critical', 'high', 'medium', 'low', 'info'];
    expect([...queue.facets.severities].sort((a, b) => order.indexOf(a) - order.indexOf(b))).toEqual(queue.facets.severities);
    expect(Object.values(queue.facets.statuses).reduce((a, b) => a + b, 0)).toBe(queue.rows.length);
  });

  it('a filter can be cancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(queueOrder(engine, {}, { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
  });
});
