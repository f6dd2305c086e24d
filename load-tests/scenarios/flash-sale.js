// A 10× spike of buyers on a few scarce works; afterwards sold = stock, nothing oversold.
import { scenario } from '../lib/scenarios.js';

const s = scenario('flash-sale');

export const options = s.options;
export const setup = s.setup;
export default s.visit;
export const flashBuyer = s.flashBuyer;
export const teardown = s.teardown;
export const handleSummary = s.handleSummary;
