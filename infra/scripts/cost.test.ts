import assert from 'node:assert/strict';
import { synthesise } from '../src/testing.ts';
import { bill, inventory, readPrices, readTemplates, report, total } from './cost.ts';

describe('cost model', () => {
  const { outdir } = synthesise();
  const table = readPrices();
  const inv = inventory(readTemplates(outdir));

  it('when the price table is read, then every price is dated and names its source page', () => {
    assert.match(table.asOf, /^\d{4}-\d{2}-\d{2}$/);
    for (const [key, price] of Object.entries(table.prices)) {
      assert.ok(Number.isFinite(price.price) && price.price >= 0, key);
      assert.match(price.source, /^https:\/\/aws\.amazon\.com\//, key);
      assert.ok(price.unit.length > 0, key);
    }
  });

  it('when the templates are counted, then the inventory is what the stacks create', () => {
    assert.deepEqual(
      { ...inv.task, desired: inv.desiredTasks, max: inv.maxTasks, nat: inv.natGateways },
      { vcpu: 0.5, memoryGb: 1, publicIp: true, desired: 2, max: 4, nat: 0 },
    );
    assert.equal(inv.albs, 1);
    assert.equal(inv.valkeyCaches, 1);
    assert.equal(inv.interfaceEndpointAzs, 0);
    // Four app secrets and the RDS-managed one.
    assert.equal(inv.secrets, 5);
    assert.ok(inv.alarmMetrics >= 8);
  });

  it('when priced, then the brief’s traffic with two origin tasks costs under $100 a month (goal: under $80)', () => {
    const { text, brief, max } = report(outdir, table);
    console.log(
      `      (a) $${brief.toFixed(2)} / month, (b) $${max.toFixed(2)} / month; npm run cost prints the lines`,
    );
    void text;
    assert.ok(brief < 100, `the brief's month costs $${brief.toFixed(2)}`);
    if (brief >= 80) console.log(`note: above the $80 goal ($${brief.toFixed(2)})`);
    assert.ok(max > brief);
  });

  it('when a NAT gateway or an extra task appears, then the bill shows it', () => {
    const base = total(bill(inv, table, 2));
    assert.ok(total(bill({ ...inv, natGateways: 1 }, table, 2)) > base + 30);
    const threeTasks = total(bill(inv, table, 3)) - base;
    // One more task: its Fargate hours and its public IPv4 address.
    assert.ok(Math.abs(threeTasks - (0.5 * 0.03238 + 1 * 0.00356 + 0.005) * 730) < 0.01);
  });
});
