// About 40 s at 2 visits/s, every journey at least once: the CI run.
import { scenario } from '../lib/scenarios.js';

const s = scenario('smoke');

export const options = s.options;
export const setup = s.setup;
export default s.visit;
export const flashBuyer = s.flashBuyer;
export const teardown = s.teardown;
export const handleSummary = s.handleSummary;
