// The 10,000-visit day hour by hour (10 % in the peak hour), compressed COMPRESS times.
import { scenario } from '../lib/scenarios.js';

const s = scenario('peak-day');

export const options = s.options;
export const setup = s.setup;
export default s.visit;
export const flashBuyer = s.flashBuyer;
export const teardown = s.teardown;
export const handleSummary = s.handleSummary;
