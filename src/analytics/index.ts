// What other features may use of analytics: customers' health and lifetime value from the
// (cached) report. The rest they read through its routes.
export { customerScores, type CustomerScore } from './analytics.routes.js';
