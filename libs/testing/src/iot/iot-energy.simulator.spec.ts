import { IotEnergySimulator } from './iot-energy.simulator';

describe('IotEnergySimulator.recordRound', () => {
  it('adds one reading per sensor of every site, stored half a minute after it was measured', () => {
    const simulator = new IotEnergySimulator({ apiKey: 'k', sites: 2 });
    expect(simulator.readings).toEqual([]);
    const at = Date.parse('2026-11-23T08:00:00Z');
    const added = simulator.recordRound(at);
    const sites = new Set(added.map((r) => r.site_id));
    expect([...sites].sort()).toEqual(['SITE-001', 'SITE-002']);
    const perSite = added.filter((r) => r.site_id === 'SITE-001').length;
    expect(perSite).toBeGreaterThan(1);
    expect(added).toHaveLength(2 * perSite);
    for (const reading of added) {
      expect(reading.measured_at).toBe('2026-11-23T08:00:00.000Z');
      expect(reading.received_at).toBe('2026-11-23T08:00:30.000Z');
    }
    expect(new Set(added.map((r) => r.reading_id)).size).toBe(added.length);
    // The API's window on the receive time finds exactly this round.
    expect(
      simulator.matching({ after: '2026-11-23T08:00:00Z', until: '2026-11-23T08:00:30Z' }),
    ).toEqual(added);
  });

  it('seeds the same rounds it would record', () => {
    const seeded = new IotEnergySimulator({
      apiKey: 'k',
      from: '2026-11-23T07:00:00Z',
      to: '2026-11-23T07:30:00Z',
      intervalMinutes: 15,
    });
    const recorded = new IotEnergySimulator({ apiKey: 'k' });
    recorded.recordRound(Date.parse('2026-11-23T07:00:00Z'), 0);
    recorded.recordRound(Date.parse('2026-11-23T07:15:00Z'), 1);
    expect(seeded.readings).toEqual(recorded.readings);
  });
});
