export { describeWorld, openWorld, type WorldChoice, type WorldSettings, worldFactory } from "./select.js";
