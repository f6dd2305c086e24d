// A long steady load; latency per window must stay flat (the runner watches the origin's memory).
import { scenario } from '../lib/scenarios.js';

const s = scenario('soak');

export const options = s.options;
export const setup = s.setup;
export default s.visit;
export const flashBuyer = s.flashBuyer;
export const teardown = s.teardown;
export const handleSummary = s.handleSummary;
