// The arrival rate raised in steps; the summary names the highest step that held every threshold.
import { scenario } from '../lib/scenarios.js';

const s = scenario('stress');

export const options = s.options;
export const setup = s.setup;
export default s.visit;
export const flashBuyer = s.flashBuyer;
export const teardown = s.teardown;
export const handleSummary = s.handleSummary;
