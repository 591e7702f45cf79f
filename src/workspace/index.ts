// What other features may use of the workspace: business settings, per-feature settings, industries.
export { getFeatureSettings, getWorkspace, requireWorkspace, saveWorkspace, setFeatureSettings, workspaceInput, type Workspace, type WorkspaceInput } from './workspace.service.js';
export { currencyDigits, formatMoney, formatNumber, workspaceMoney, type MoneyFormat } from './workspace.format.js';
export { industries, industryBenchmark, industryKeys, type IndustryKey } from './industries.js';
